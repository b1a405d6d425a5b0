package dev.strata.ledger.index;

import dev.strata.api.spi.KeyBytes;
import java.util.Arrays;

/**
 * The key order of the index: immutable sorted runs of key ids, merged like a binary counter (a run
 * is merged into the one before it while that one is no larger), plus a small sorted write buffer
 * that new keys enter by copy-on-write, a batch (a transaction's new keys) at a time. Keys are
 * never removed, so each key sits in exactly one run of any published state. Next to each id a run
 * keeps the key's first 8 bytes as an unsigned big-endian {@code long}, so merges and searches
 * compare sequential memory and read key bytes only on a tie: a merge streams through arrays
 * instead of chasing one pointer per key, which is what made the skip list it replaces miss the
 * cache on every insert.
 *
 * <p>One writer ({@link #addAll}); readers take {@link #runs()} once and iterate it ({@link Scan})
 * while the writer publishes new states. Each key is merged about log2(keys / 128) times.
 */
public final class KeyOrder {
  /** Keys the write buffer holds before it becomes a run: big enough to amortize, small to copy. */
  static final int BUFFER = 128;

  /** Sorted ids and their key prefixes; immutable once published. */
  static final class Run {
    static final Run EMPTY = new Run(new int[0], new long[0]);

    final int[] ids;
    final long[] prefixes;

    Run(int[] ids, long[] prefixes) {
      this.ids = ids;
      this.prefixes = prefixes;
    }

    int length() {
      return ids.length;
    }

    /** The first index whose key is not below {@code key} ({@code length()} if none). */
    int lowerBound(byte[] key, long prefix, byte[][] keys) {
      int lo = 0;
      int hi = ids.length;
      while (lo < hi) {
        int mid = (lo + hi) >>> 1;
        long p = prefixes[mid];
        int c =
            p != prefix
                ? Long.compareUnsigned(p, prefix)
                : Arrays.compareUnsigned(keys[ids[mid]], key);
        if (c < 0) {
          lo = mid + 1;
        } else {
          hi = mid;
        }
      }
      return lo;
    }
  }

  /** Sorted runs, largest first; the last one is the write buffer. */
  private volatile Run[] runs;

  KeyOrder() {
    runs = new Run[] {Run.EMPTY};
  }

  /** An order over ids {@code 0..n-1}, whose keys are already sorted (a loaded checkpoint). */
  KeyOrder(byte[][] sortedKeys, int n) {
    int[] ids = new int[n];
    long[] prefixes = new long[n];
    for (int i = 0; i < n; i++) {
      ids[i] = i;
      prefixes[i] = prefix(sortedKeys[i]);
    }
    runs = new Run[] {new Run(ids, prefixes), Run.EMPTY};
  }

  /** The published runs, for a reader to scan; never modified. */
  Run[] runs() {
    return runs;
  }

  /** The key's first 8 bytes as an unsigned big-endian number, zero-padded. */
  public static long prefix(byte[] key) {
    return KeyBytes.prefix(key);
  }

  /** Unsigned byte order of two keys, from their prefixes when those differ. */
  static int compare(long prefixA, byte[] a, long prefixB, byte[] b) {
    return KeyBytes.compare(prefixA, a, prefixB, b);
  }

  /**
   * Adds new keys; writer only. {@code keys} must hold every id added so far and the new ones.
   * Publishes the new state before returning: one copy of the write buffer per call, however many
   * keys it adds.
   *
   * @param ids the new ids, distinct keys in any order; sorted in place
   */
  void addAll(int[] ids, int n, byte[][] keys) {
    if (n == 0) {
      return;
    }
    long[] prefixes = new long[n];
    boolean ordered = true;
    for (int i = 0; i < n; i++) {
      prefixes[i] = prefix(keys[ids[i]]);
      // A commit's new keys arrive in key order (its block is sorted): no sort needed then.
      if (ordered && i > 0) {
        ordered = compare(prefixes[i - 1], keys[ids[i - 1]], prefixes[i], keys[ids[i]]) < 0;
      }
    }
    if (!ordered) {
      KeyBytes.sortByKey(ids, prefixes, keys, n);
    }
    Run added = new Run(Arrays.copyOf(ids, n), prefixes);
    Run[] current = runs;
    int last = current.length - 1;
    Run grown = merge(current[last], added, keys);
    if (grown.length() < BUFFER) {
      Run[] next = current.clone();
      next[last] = grown;
      runs = next;
      return;
    }
    Run[] levels = Arrays.copyOf(current, current.length + 1);
    levels[last] = grown;
    int count = last + 1;
    while (count >= 2 && levels[count - 2].length() <= levels[count - 1].length()) {
      levels[count - 2] = merge(levels[count - 2], levels[count - 1], keys);
      count--;
    }
    levels[count] = Run.EMPTY;
    runs = Arrays.copyOf(levels, count + 1);
  }

  private static Run merge(Run a, Run b, byte[][] keys) {
    int na = a.length();
    int nb = b.length();
    int[] ids = new int[na + nb];
    long[] prefixes = new long[na + nb];
    int i = 0;
    int j = 0;
    int k = 0;
    while (i < na && j < nb) {
      long pa = a.prefixes[i];
      long pb = b.prefixes[j];
      boolean fromA =
          pa != pb
              ? Long.compareUnsigned(pa, pb) < 0
              : Arrays.compareUnsigned(keys[a.ids[i]], keys[b.ids[j]]) < 0;
      if (fromA) {
        ids[k] = a.ids[i];
        prefixes[k++] = pa;
        i++;
      } else {
        ids[k] = b.ids[j];
        prefixes[k++] = pb;
        j++;
      }
    }
    System.arraycopy(a.ids, i, ids, k, na - i);
    System.arraycopy(a.prefixes, i, prefixes, k, na - i);
    k += na - i;
    System.arraycopy(b.ids, j, ids, k, nb - j);
    System.arraycopy(b.prefixes, j, prefixes, k, nb - j);
    return new Run(ids, prefixes);
  }

  /** Heap bytes of the runs: 12 per key plus array headers. */
  long memoryBytes() {
    long bytes = 16;
    for (Run r : runs) {
      bytes += 16 + 16 + 16 + 12L * r.length();
    }
    return bytes;
  }

  /**
   * Merges every run into one; writer only. A full scan (the checkpoint) then reads one array, and
   * later scans seek in one run instead of one per tier.
   */
  void compact(byte[][] keys) {
    Run[] current = runs;
    Run all = current[current.length - 1];
    for (int r = current.length - 2; r >= 0; r--) {
      all = merge(current[r], all, keys);
    }
    runs = new Run[] {all, Run.EMPTY};
  }

  /**
   * The ids of the keys in {@code [lower, upper)} (null bounds are open) of one published state, in
   * ascending or descending key order: a merge of one cursor per run, through a binary heap of the
   * runs ordered by their current keys. Not thread-safe.
   */
  public static final class Scan {
    private final Run[] runs;
    private final byte[][] keys;
    private final boolean descending;
    private final int[] next;
    private final int[] end;
    private final int[] heap;
    private int live;

    /**
     * @param runs a published state from {@link #runs()}
     * @param keys key bytes by id, covering every id in {@code runs}
     */
    Scan(Run[] runs, byte[][] keys, byte[] lower, byte[] upper, boolean descending) {
      this.runs = runs;
      this.keys = keys;
      this.descending = descending;
      this.next = new int[runs.length];
      this.end = new int[runs.length];
      this.heap = new int[runs.length];
      long lowerPrefix = lower == null ? 0 : prefix(lower);
      long upperPrefix = upper == null ? 0 : prefix(upper);
      for (int r = 0; r < runs.length; r++) {
        Run run = runs[r];
        int from = lower == null ? 0 : run.lowerBound(lower, lowerPrefix, keys);
        int to = upper == null ? run.length() : run.lowerBound(upper, upperPrefix, keys);
        to = Math.max(from, to);
        next[r] = descending ? to - 1 : from;
        end[r] = descending ? from - 1 : to;
        if (next[r] != end[r]) {
          heap[live++] = r;
        }
      }
      for (int i = live / 2 - 1; i >= 0; i--) {
        siftDown(i);
      }
    }

    /** The next id, or -1 when the range is exhausted. */
    public int next() {
      if (live == 0) {
        return -1;
      }
      int r = heap[0];
      int id = runs[r].ids[next[r]];
      next[r] += descending ? -1 : 1;
      if (next[r] == end[r]) {
        heap[0] = heap[--live];
      }
      siftDown(0);
      return id;
    }

    /** Whether run {@code a}'s current key comes before run {@code b}'s in scan order. */
    private boolean before(int a, int b) {
      Run ra = runs[a];
      Run rb = runs[b];
      int ia = next[a];
      int ib = next[b];
      long pa = ra.prefixes[ia];
      long pb = rb.prefixes[ib];
      // Key bytes are read only on a prefix tie: loading them is a cache miss per key.
      int c =
          pa != pb
              ? Long.compareUnsigned(pa, pb)
              : Arrays.compareUnsigned(keys[ra.ids[ia]], keys[rb.ids[ib]]);
      return descending ? c > 0 : c < 0;
    }

    private void siftDown(int at) {
      int i = at;
      while (true) {
        int left = 2 * i + 1;
        if (left >= live) {
          return;
        }
        int child = left + 1 < live && before(heap[left + 1], heap[left]) ? left + 1 : left;
        if (!before(heap[child], heap[i])) {
          return;
        }
        int t = heap[i];
        heap[i] = heap[child];
        heap[child] = t;
        i = child;
      }
    }
  }
}
