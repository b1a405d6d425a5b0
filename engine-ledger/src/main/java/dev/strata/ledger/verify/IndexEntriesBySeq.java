package dev.strata.ledger.verify;

import dev.strata.api.TamperException;
import dev.strata.ledger.format.RecordFormat;
import dev.strata.ledger.index.IndexEntry;
import dev.strata.ledger.index.KeyIndex;
import dev.strata.ledger.log.SegmentLog;
import dev.strata.ledger.read.LedgerReader;
import java.util.Arrays;
import java.util.BitSet;

/**
 * The index entries visible at a size, in sequence order, as parallel arrays, for the integrity
 * check to merge against the log as it passes: it meets them in that order, and one object per key
 * would cost a cache miss per entry. Not thread-safe: built and walked by one pass.
 */
final class IndexEntriesBySeq {
  final int count;
  final long[] seqs;
  final long[] positions;
  final byte[][] keys;
  final BitSet deleted;
  private int next;

  private IndexEntriesBySeq(int count) {
    this.count = count;
    this.seqs = new long[count];
    this.positions = new long[count];
    this.keys = new byte[count][];
    this.deleted = new BitSet(count);
  }

  /** Every key's entry visible at {@code size}, sorted by sequence number. */
  static IndexEntriesBySeq of(KeyIndex index, LedgerReader reader, long size) {
    int keyCount = index.size();
    int capacity = Math.max(16, keyCount);
    long[] seqs = new long[capacity];
    long[] positions = new long[capacity];
    byte[][] keys = new byte[capacity][];
    BitSet deleted = new BitSet();
    int n = 0;
    for (int id = 0; id < keyCount; id++) {
      IndexEntry v = reader.resolve(index.entry(id), size);
      if (v == null) {
        continue;
      }
      seqs[n] = v.seq;
      positions[n] = v.position;
      keys[n] = index.key(id);
      deleted.set(n, v.deleted);
      n++;
    }
    int[] order = bySeq(seqs, n, size);
    IndexEntriesBySeq sorted = new IndexEntriesBySeq(n);
    for (int i = 0; i < n; i++) {
      int from = order[i];
      sorted.seqs[i] = seqs[from];
      sorted.positions[i] = positions[from];
      sorted.keys[i] = keys[from];
      sorted.deleted.set(i, deleted.get(from));
    }
    return sorted;
  }

  /**
   * Checks entry {@code seq} of the log, passed in sequence order, against the index when the index
   * points at it: same position, key and kind.
   *
   * @param position the entry's position in the log
   * @param canonical holds the entry's canonical bytes at {@code at}
   * @throws TamperException if they differ
   */
  void check(SegmentLog log, long seq, long position, byte[] canonical, int at) {
    if (next >= count || seqs[next] != seq) {
      return;
    }
    int k = next++;
    int keyLength = RecordFormat.canonicalKeyLength(canonical, at);
    int keyFrom = at + RecordFormat.CANONICAL_KEY;
    if (positions[k] != position
        || keys[k].length != keyLength
        || !Arrays.equals(canonical, keyFrom, keyFrom + keyLength, keys[k], 0, keyLength)
        || deleted.get(k) != (canonical[at] == RecordFormat.DELETE)) {
      throw new TamperException(
          seq, "the index disagrees with entry " + seq + " at " + IntegrityCheck.at(log, position));
    }
  }

  /** How many indexed entries the pass has met in the log so far. */
  int matched() {
    return next;
  }

  /**
   * The permutation that sorts {@code seqs[0..n)}, all below {@code size}. When the sequence
   * numbers are distinct and dense enough, a bitmap over {@code [0, size)} ranks them in two linear
   * passes (no comparison sort: a key's rank is the number of set bits below its sequence number);
   * otherwise a primitive sort of packed (seq, slot) pairs.
   */
  private static int[] bySeq(long[] seqs, int n, long size) {
    int[] order = new int[n];
    long words = (size + 63) >>> 6;
    long[] bits = words <= 4L * n + 1024 ? new long[(int) words] : null;
    for (int i = 0; bits != null && i < n; i++) {
      int w = (int) (seqs[i] >>> 6);
      if ((bits[w] & 1L << seqs[i]) != 0) {
        // Two keys at one entry: only a forged index does that; the sort keeps both for the check.
        bits = null;
      } else {
        bits[w] |= 1L << seqs[i];
      }
    }
    if (bits != null) {
      int[] before = new int[bits.length];
      int running = 0;
      for (int w = 0; w < bits.length; w++) {
        before[w] = running;
        running += Long.bitCount(bits[w]);
      }
      for (int i = 0; i < n; i++) {
        int w = (int) (seqs[i] >>> 6);
        order[before[w] + Long.bitCount(bits[w] & ((1L << seqs[i]) - 1))] = i;
      }
      return order;
    }
    if (n < 1 << 24 && size < 1L << 39) {
      long[] packed = new long[n];
      for (int i = 0; i < n; i++) {
        packed[i] = seqs[i] << 24 | i;
      }
      Arrays.sort(packed);
      for (int i = 0; i < n; i++) {
        order[i] = (int) (packed[i] & ((1 << 24) - 1));
      }
      return order;
    }
    Integer[] boxed = new Integer[n];
    for (int i = 0; i < n; i++) {
      boxed[i] = i;
    }
    Arrays.sort(boxed, (a, b) -> Long.compare(seqs[a], seqs[b]));
    for (int i = 0; i < n; i++) {
      order[i] = boxed[i];
    }
    return order;
  }
}
