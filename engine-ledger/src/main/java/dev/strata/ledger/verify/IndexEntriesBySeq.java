package dev.strata.ledger.verify;

import dev.strata.api.TamperException;
import dev.strata.ledger.format.RecordFormat;
import dev.strata.ledger.index.IndexEntry;
import dev.strata.ledger.index.KeyIndex;
import dev.strata.ledger.log.SegmentLog;
import dev.strata.ledger.read.LedgerReader;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;

/**
 * The index entries visible at a size, in sequence order, as parallel arrays, for the integrity
 * check to merge against the log as it passes: it meets them in that order, and one object per key
 * would cost a cache miss per entry. Not thread-safe: built and walked by one pass.
 *
 * <p>The usual form is a bitmap over {@code [0, size)} of the sequence numbers the index points at
 * plus each entry's position and key at its rank: two linear passes over the index build it (no
 * sort, no per-id arrays), the merge walks the bitmap's set bits, and the check that no indexed
 * entry is superseded is a word-wise AND. A sparse bitmap, or two keys at one entry (only a forged
 * index does that), takes the sorted form, which keeps every key for the check.
 *
 * <p>Both halves avoid dependent cache misses, which otherwise cost more than the hashing of the
 * other passes: the build reads the index in id order and writes each entry straight to its rank
 * (no gather through a permutation), and the merge touches the key arrays of a whole batch of
 * entries before it compares any, so their misses overlap.
 */
final class IndexEntriesBySeq {
  // The sign bit of a position word marks a tombstone; positions stay far below 2^63.
  private static final long DELETED = Long.MIN_VALUE;

  /** How many keys the index holds at the size. */
  final int count;

  // Per rank (sequence order): log position, with DELETED set for a tombstone, and key.
  private final long[] positions;
  private final byte[][] keys;
  // The bitmap form: bit s is set when the index points at entry s; null in the sorted form.
  private final long[] bits;
  // The sorted form: sequence numbers by rank, possibly repeated; null in the bitmap form.
  private final long[] seqs;
  // Key lengths of the entries a batch is about to meet, loaded ahead of the comparisons.
  private int[] lengths = new int[0];
  private int next;

  private IndexEntriesBySeq(long[] bits, long[] seqs, long[] positions, byte[][] keys, int count) {
    this.count = count;
    this.bits = bits;
    this.seqs = seqs;
    this.positions = positions;
    this.keys = keys;
  }

  /**
   * Every key's entry visible at {@code size}, in sequence order. The writer may commit meanwhile:
   * an entry newer than {@code size} is resolved to the version visible at it, which the log fixes
   * whenever it is asked.
   */
  static IndexEntriesBySeq of(KeyIndex index, LedgerReader reader, long size) {
    int keyCount = index.size();
    long words = (size + 63) >>> 6;
    if (words > 4L * keyCount + 1024) {
      return sorted(index, reader, size, keyCount);
    }
    long[] bits = new long[(int) words];
    // Ids whose latest entry is newer than the size, with the version visible at it (or null).
    Map<Integer, IndexEntry> resolved = new HashMap<>();
    int n = 0;
    for (int id = 0; id < keyCount; id++) {
      IndexEntry e = index.entry(id);
      if (e.seq >= size) {
        e = reader.resolve(e, size);
        resolved.put(id, e);
      }
      if (e == null) {
        continue;
      }
      int w = (int) (e.seq >>> 6);
      if ((bits[w] & 1L << e.seq) != 0) {
        return sorted(index, reader, size, keyCount);
      }
      bits[w] |= 1L << e.seq;
      n++;
    }
    // A key's rank is the number of set bits below its sequence number.
    int[] before = new int[bits.length];
    for (int w = 0, running = 0; w < bits.length; w++) {
      before[w] = running;
      running += Long.bitCount(bits[w]);
    }
    long[] positions = new long[n];
    byte[][] keys = new byte[n][];
    long[] placed = new long[bits.length];
    int placedCount = 0;
    for (int id = 0; id < keyCount; id++) {
      IndexEntry e = index.entry(id);
      if (e.seq >= size) {
        e = resolved.containsKey(id) ? resolved.get(id) : reader.resolve(e, size);
      }
      if (e == null) {
        continue;
      }
      int w = (int) (e.seq >>> 6);
      long bit = 1L << e.seq;
      if ((bits[w] & bit) == 0 || (placed[w] & bit) != 0) {
        // The index moved in a way the writer never moves it; the sorted form reads it once.
        return sorted(index, reader, size, keyCount);
      }
      placed[w] |= bit;
      placedCount++;
      int r = before[w] + Long.bitCount(bits[w] & (bit - 1));
      positions[r] = e.position | (e.deleted ? DELETED : 0);
      keys[r] = index.key(id);
    }
    if (placedCount != n) {
      return sorted(index, reader, size, keyCount);
    }
    return new IndexEntriesBySeq(bits, null, positions, keys, n);
  }

  /** The sorted form: the entries in id order, then sorted by sequence number. */
  private static IndexEntriesBySeq sorted(
      KeyIndex index, LedgerReader reader, long size, int keyCount) {
    long[] seqs = new long[keyCount];
    long[] positions = new long[keyCount];
    byte[][] keys = new byte[keyCount][];
    int n = 0;
    for (int id = 0; id < keyCount; id++) {
      IndexEntry e = index.entry(id);
      if (e.seq >= size) {
        e = reader.resolve(e, size);
      }
      if (e == null) {
        continue;
      }
      seqs[n] = e.seq;
      positions[n] = e.position | (e.deleted ? DELETED : 0);
      keys[n++] = index.key(id);
    }
    sortBySeq(seqs, positions, keys, n);
    return new IndexEntriesBySeq(null, seqs, positions, keys, n);
  }

  /** Sorts the three arrays by sequence number: packed (seq, slot) pairs, then one gather. */
  private static void sortBySeq(long[] seqs, long[] positions, byte[][] keys, int n) {
    int[] order = new int[n];
    if (n < 1 << 24 && (n == 0 || Arrays.stream(seqs, 0, n).max().getAsLong() < 1L << 39)) {
      long[] packed = new long[n];
      for (int i = 0; i < n; i++) {
        packed[i] = seqs[i] << 24 | i;
      }
      Arrays.sort(packed);
      for (int i = 0; i < n; i++) {
        order[i] = (int) (packed[i] & ((1 << 24) - 1));
      }
    } else {
      Integer[] boxed = new Integer[n];
      for (int i = 0; i < n; i++) {
        boxed[i] = i;
      }
      Arrays.sort(boxed, (a, b) -> Long.compare(seqs[a], seqs[b]));
      for (int i = 0; i < n; i++) {
        order[i] = boxed[i];
      }
    }
    long[] s = Arrays.copyOf(seqs, n);
    long[] p = Arrays.copyOf(positions, n);
    byte[][] k = Arrays.copyOf(keys, n);
    for (int i = 0; i < n; i++) {
      seqs[i] = s[order[i]];
      positions[i] = p[order[i]];
      keys[i] = k[order[i]];
    }
  }

  /**
   * Checks a batch of consecutive log entries, passed in sequence order from {@code firstSeq},
   * against the index where the index points at one: same position, key and kind.
   *
   * @throws TamperException at the first that differs
   */
  void check(SegmentLog log, long firstSeq, CanonicalBytesFeed.Batch b) {
    if (bits == null) {
      checkSorted(log, firstSeq, b);
      return;
    }
    // Entries past the bitmap lie past the committed size: the chain pass reports those.
    long to = Math.min(firstSeq + b.count, 64L * bits.length);
    if (firstSeq >= to) {
      return;
    }
    int fromWord = (int) (firstSeq >>> 6);
    int toWord = (int) ((to - 1) >>> 6);
    int end = next;
    for (int w = fromWord; w <= toWord; w++) {
      end += Long.bitCount(inRange(w, fromWord, toWord, firstSeq, to));
    }
    int base = touchKeys(end);
    for (int w = fromWord; w <= toWord; w++) {
      for (long x = inRange(w, fromWord, toWord, firstSeq, to); x != 0; x &= x - 1) {
        long seq = 64L * w + Long.numberOfTrailingZeros(x);
        int i = (int) (seq - firstSeq);
        check(log, next, lengths[next - base], seq, b.positions[i], b.data, b.offsets[i] + 1);
        next++;
      }
    }
  }

  /** Word {@code w} of the bitmap, masked to the sequence numbers {@code [from, to)}. */
  private long inRange(int w, int fromWord, int toWord, long from, long to) {
    long x = bits[w];
    if (w == fromWord) {
      x &= -1L << from;
    }
    if (w == toWord && (to & 63) != 0) {
      x &= (1L << to) - 1;
    }
    return x;
  }

  private void checkSorted(SegmentLog log, long firstSeq, CanonicalBytesFeed.Batch b) {
    long lastSeq = firstSeq + b.count - 1;
    int end = next;
    while (end < count && seqs[end] <= lastSeq) {
      end++;
    }
    int base = touchKeys(end);
    for (int i = 0; i < b.count && next < end; i++) {
      long seq = firstSeq + i;
      // A forged index with two keys at one entry stalls here; the count check reports it.
      if (seqs[next] == seq) {
        check(log, next, lengths[next - base], seq, b.positions[i], b.data, b.offsets[i] + 1);
        next++;
      }
    }
  }

  /**
   * Touches the key arrays of ranks {@code [next, end)} before any is compared: independent loads
   * whose misses overlap. Returns {@code next}, where {@link #lengths} starts.
   */
  private int touchKeys(int end) {
    if (lengths.length < end - next) {
      lengths = new int[Math.max(end - next, 2 * lengths.length)];
    }
    for (int k = next; k < end; k++) {
      lengths[k - next] = keys[k].length;
    }
    return next;
  }

  private void check(
      SegmentLog log, int k, int keyLength, long seq, long position, byte[] canonical, int at) {
    int logKeyLength = RecordFormat.canonicalKeyLength(canonical, at);
    int keyFrom = at + RecordFormat.CANONICAL_KEY;
    long word = positions[k];
    if ((word & ~DELETED) != position
        || keyLength != logKeyLength
        || !Arrays.equals(canonical, keyFrom, keyFrom + keyLength, keys[k], 0, keyLength)
        || (word < 0) != (canonical[at] == RecordFormat.DELETE)) {
      throw new TamperException(
          seq, "the index disagrees with entry " + seq + " at " + IntegrityCheck.at(log, position));
    }
  }

  /** How many indexed entries the pass has met in the log so far. */
  int matched() {
    return next;
  }

  /**
   * The smallest sequence number the index points at that {@code superseded} holds (a later entry
   * of its key links to it), or -1.
   */
  long firstSuperseded(BitSet superseded) {
    if (bits == null) {
      for (int k = 0; k < count; k++) {
        if (superseded.get((int) seqs[k])) {
          return seqs[k];
        }
      }
      return -1;
    }
    long[] later = superseded.toLongArray();
    for (int w = 0; w < Math.min(bits.length, later.length); w++) {
      long both = bits[w] & later[w];
      if (both != 0) {
        return 64L * w + Long.numberOfTrailingZeros(both);
      }
    }
    return -1;
  }
}
