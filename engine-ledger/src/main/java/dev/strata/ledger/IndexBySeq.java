package dev.strata.ledger;

import dev.strata.api.TamperException;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Map;

/**
 * The index entries visible at a size, in sequence order, as parallel arrays, for the integrity
 * check to merge against the log as it passes: it meets them in that order, and one object per key
 * would cost a cache miss per entry. Not thread-safe: built and walked by one pass.
 */
final class IndexBySeq {
  final int count;
  final long[] seqs;
  final long[] positions;
  final byte[][] keys;
  final BitSet deleted;
  private int next;

  private IndexBySeq(int count) {
    this.count = count;
    this.seqs = new long[count];
    this.positions = new long[count];
    this.keys = new byte[count][];
    this.deleted = new BitSet(count);
  }

  /** Every key's entry visible at {@code size}, sorted by sequence number. */
  static IndexBySeq of(LedgerEngine engine, long size) {
    int capacity = Math.max(16, engine.index.size());
    long[] seqs = new long[capacity];
    long[] positions = new long[capacity];
    byte[][] keys = new byte[capacity][];
    BitSet deleted = new BitSet();
    int n = 0;
    for (Map.Entry<byte[], IndexEntry> e : engine.index.entrySet()) {
      IndexEntry v = engine.reader.resolve(e.getValue(), size);
      if (v == null) {
        continue;
      }
      if (n == seqs.length) {
        seqs = Arrays.copyOf(seqs, n * 2);
        positions = Arrays.copyOf(positions, n * 2);
        keys = Arrays.copyOf(keys, n * 2);
      }
      seqs[n] = v.seq;
      positions[n] = v.position;
      keys[n] = e.getKey();
      deleted.set(n, v.deleted);
      n++;
    }
    int[] order = bySeq(seqs, n, size);
    IndexBySeq sorted = new IndexBySeq(n);
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
   * @throws TamperException if they differ
   */
  void check(LedgerEngine engine, Rec r, long seq) {
    if (next >= count || seqs[next] != seq) {
      return;
    }
    int k = next++;
    if (positions[k] != r.position
        || !r.keyEquals(keys[k])
        || deleted.get(k) != (r.kind() == Codec.DELETE)) {
      throw new TamperException(
          seq, "the index disagrees with entry " + seq + " at " + Verifier.at(engine, r.position));
    }
  }

  /** How many indexed entries the pass has met in the log so far. */
  int matched() {
    return next;
  }

  /** The permutation that sorts {@code seqs[0..n)}, all below {@code size}. */
  private static int[] bySeq(long[] seqs, int n, long size) {
    int[] order = new int[n];
    if (n < 1 << 24 && size < 1L << 39) {
      // A primitive sort of (seq, slot) pairs is several times faster than a comparator sort.
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
