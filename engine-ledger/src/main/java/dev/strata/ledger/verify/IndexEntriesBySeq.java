package dev.strata.ledger.verify;

import dev.strata.api.TamperException;
import dev.strata.ledger.format.RecordFormat;
import dev.strata.ledger.index.IndexEntry;
import dev.strata.ledger.index.KeyIndex;
import dev.strata.ledger.log.SegmentLog;
import dev.strata.ledger.read.LedgerReader;
import java.util.Arrays;

/**
 * The index entries visible at a size, in sequence order, as parallel arrays, for the integrity
 * check to merge against the log as it passes: it meets them in that order, and one object per key
 * would cost a cache miss per entry. Not thread-safe: built and walked by one pass.
 *
 * <p>Both halves avoid dependent cache misses, which otherwise cost more than the hashing of the
 * other passes: the build reads the index in id order and writes each entry straight to its rank
 * (no gather through a permutation), and the merge touches the key arrays of a whole batch of
 * entries before it compares any, so their misses overlap.
 */
final class IndexEntriesBySeq {
  // The sign bit of a position word marks a tombstone; positions stay far below 2^63.
  private static final long DELETED = Long.MIN_VALUE;

  final int count;
  final long[] seqs;
  // Log position, with DELETED set for a tombstone.
  private final long[] positions;
  private final byte[][] keys;
  // Key lengths of the entries a batch is about to meet, loaded ahead of the comparisons.
  private int[] lengths = new int[0];
  private int next;

  private IndexEntriesBySeq(long[] seqs, long[] positions, byte[][] keys, int count) {
    this.count = count;
    this.seqs = seqs;
    this.positions = positions;
    this.keys = keys;
  }

  /** Every key's entry visible at {@code size}, sorted by sequence number. */
  static IndexEntriesBySeq of(KeyIndex index, LedgerReader reader, long size) {
    int keyCount = index.size();
    // Per id: the visible entry's seq (-1: none) and position word, read in id order.
    long[] seqById = new long[keyCount];
    long[] positionById = new long[keyCount];
    int n = 0;
    for (int id = 0; id < keyCount; id++) {
      IndexEntry e = index.entry(id);
      if (e.seq >= size) {
        e = reader.resolve(e, size);
      }
      if (e == null) {
        seqById[id] = -1;
        continue;
      }
      seqById[id] = e.seq;
      positionById[id] = e.position | (e.deleted ? DELETED : 0);
      n++;
    }
    long[] seqs = new long[n];
    long[] positions = new long[n];
    byte[][] keys = new byte[n][];
    int[] rank = ranks(seqById, n, size);
    for (int id = 0, i = 0; id < keyCount; id++) {
      if (seqById[id] < 0) {
        continue;
      }
      int r = rank == null ? i++ : rank[id];
      seqs[r] = seqById[id];
      positions[r] = positionById[id];
      keys[r] = index.key(id);
    }
    if (rank == null) {
      sortBySeq(seqs, positions, keys, n);
    }
    return new IndexEntriesBySeq(seqs, positions, keys, n);
  }

  /**
   * Each id's rank among the {@code n} visible entries by sequence number, from a bitmap over
   * {@code [0, size)} in two linear passes (a key's rank is the number of set bits below its
   * sequence number); null when the bitmap would be too sparse to pay, or two keys share an entry
   * (only a forged index does that; the sort keeps both for the check).
   */
  private static int[] ranks(long[] seqById, int n, long size) {
    long words = (size + 63) >>> 6;
    if (words > 4L * n + 1024) {
      return null;
    }
    long[] bits = new long[(int) words];
    for (long seq : seqById) {
      if (seq < 0) {
        continue;
      }
      int w = (int) (seq >>> 6);
      if ((bits[w] & 1L << seq) != 0) {
        return null;
      }
      bits[w] |= 1L << seq;
    }
    int[] before = new int[bits.length];
    int running = 0;
    for (int w = 0; w < bits.length; w++) {
      before[w] = running;
      running += Long.bitCount(bits[w]);
    }
    int[] rank = new int[seqById.length];
    for (int id = 0; id < seqById.length; id++) {
      long seq = seqById[id];
      if (seq >= 0) {
        int w = (int) (seq >>> 6);
        rank[id] = before[w] + Long.bitCount(bits[w] & ((1L << seq) - 1));
      }
    }
    return rank;
  }

  /** Sorts the three arrays by sequence number: packed (seq, slot) pairs, then one gather. */
  private static void sortBySeq(long[] seqs, long[] positions, byte[][] keys, int n) {
    int[] order = new int[n];
    if (n < 1 << 24 && (n == 0 || Arrays.stream(seqs).max().getAsLong() < 1L << 39)) {
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
    long[] s = seqs.clone();
    long[] p = positions.clone();
    byte[][] k = keys.clone();
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
    long lastSeq = firstSeq + b.count - 1;
    int end = next;
    while (end < count && seqs[end] <= lastSeq) {
      end++;
    }
    if (lengths.length < end - next) {
      lengths = new int[Math.max(end - next, 2 * lengths.length)];
    }
    // Touch every key array the batch meets first: independent loads whose misses overlap.
    for (int k = next; k < end; k++) {
      lengths[k - next] = keys[k].length;
    }
    int base = next;
    for (int i = 0; i < b.count && next < end; i++) {
      long seq = firstSeq + i;
      // A forged index with two keys at one entry stalls here; the count check reports it.
      if (seqs[next] == seq) {
        check(log, next, lengths[next - base], seq, b.positions[i], b.data, b.offsets[i] + 1);
        next++;
      }
    }
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
}
