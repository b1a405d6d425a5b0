package dev.strata.btree;

import java.util.Arrays;
import java.util.BitSet;

/**
 * A set of page ids below 2<sup>31</sup> as an array of 64-bit words, for loading the stored
 * freelist at open: the snapshot's runs go in, each delta's removals and additions are checked and
 * applied, and the result comes out as runs again. A store's open does this before the JIT has
 * compiled anything, where a method call per run costs more than the bit work, so runs are written
 * and read word by word in plain loops rather than through {@link BitSet}'s per-range calls. Not
 * thread-safe.
 */
final class PageBits {
  private long[] words;

  /**
   * A set holding the pages of {@code runs}.
   *
   * @param runs (first page, pages) pairs, sorted, disjoint, every page below {@code end}
   * @param end a bound on the pages, at most {@link Integer#MAX_VALUE}
   */
  PageBits(long[] runs, int end) {
    words = new long[wordsFor(end)];
    for (int k = 0; k < runs.length; k += 2) {
      int from = (int) runs[k];
      set(from, from + (int) runs[k + 1]);
    }
  }

  /** The set of {@code bits}; the array is copied. */
  PageBits(BitSet bits) {
    words = bits.toLongArray();
  }

  private static int wordsFor(long end) {
    return (int) ((end + 63) >>> 6);
  }

  /** Sets pages {@code from .. to - 1}, growing the set when needed. */
  void set(int from, int to) {
    if (from >= to) {
      return;
    }
    int first = from >>> 6;
    int last = (to - 1) >>> 6;
    if (last >= words.length) {
      words = Arrays.copyOf(words, Math.max(last + 1, words.length + (words.length >> 1)));
    }
    // Shifts take their distance modulo 64: the masks of the first and of the last word.
    long head = -1L << from;
    long tail = -1L >>> -to;
    if (first == last) {
      words[first] |= head & tail;
      return;
    }
    words[first] |= head;
    for (int w = first + 1; w < last; w++) {
      words[w] = -1L;
    }
    words[last] |= tail;
  }

  /** Clears pages {@code from .. to - 1}. */
  void clear(int from, int to) {
    if (from >= to) {
      return;
    }
    int first = from >>> 6;
    int last = Math.min((to - 1) >>> 6, words.length - 1);
    for (int w = first; w <= last; w++) {
      long bits = -1L;
      if (w == first) {
        bits &= -1L << from;
      }
      if (w == (to - 1) >>> 6) {
        bits &= -1L >>> -to;
      }
      words[w] &= ~bits;
    }
  }

  /** The lowest page in {@code from .. to - 1} that is set (clear, if {@code !set}), or -1. */
  int first(int from, int to, boolean set) {
    if (from >= to) {
      return -1;
    }
    int first = from >>> 6;
    int last = (to - 1) >>> 6;
    for (int w = first; w <= last; w++) {
      long bits = w < words.length ? words[w] : 0;
      if (!set) {
        bits = ~bits;
      }
      if (w == first) {
        bits &= -1L << from;
      }
      if (w == last) {
        bits &= -1L >>> -to;
      }
      if (bits != 0) {
        return (w << 6) + Long.numberOfTrailingZeros(bits);
      }
    }
    return -1;
  }

  /** One past the highest page set, or 0 when none is. */
  long length() {
    for (int w = words.length - 1; w >= 0; w--) {
      if (words[w] != 0) {
        return ((long) w << 6) + 64 - Long.numberOfLeadingZeros(words[w]);
      }
    }
    return 0;
  }

  /** The set as a {@link BitSet}. */
  BitSet toBitSet() {
    return BitSet.valueOf(words);
  }

  /**
   * The maximal runs of set pages from page 2 on (the meta pages never count), the last one cut at
   * {@code end} and any past it left out.
   */
  Runs runsBelow(long end) {
    long[] runs = new long[64];
    int size = 0;
    boolean inRun = false;
    long runStart = 0;
    for (int w = 0; w < words.length; w++) {
      long bits = w == 0 ? words[0] & ~3L : words[w];
      long base = (long) w << 6;
      int from = 0;
      // Each step finds the next change: a set page outside a run, a clear one inside it.
      while (from < 64) {
        long changes = (inRun ? ~bits : bits) & (-1L << from);
        if (changes == 0) {
          break;
        }
        int bit = Long.numberOfTrailingZeros(changes);
        if (inRun) {
          if (size == runs.length) {
            runs = Arrays.copyOf(runs, size * 2);
          }
          runs[size++] = runStart;
          runs[size++] = base + bit - runStart;
        } else {
          runStart = base + bit;
        }
        inRun = !inRun;
        from = bit + 1;
      }
    }
    if (inRun) {
      if (size == runs.length) {
        runs = Arrays.copyOf(runs, size + 2);
      }
      runs[size++] = runStart;
      runs[size++] = ((long) words.length << 6) - runStart;
    }
    while (size > 0 && runs[size - 2] >= end) {
      size -= 2;
    }
    if (size > 0 && runs[size - 2] + runs[size - 1] > end) {
      runs[size - 1] = end - runs[size - 2];
    }
    return new Runs(runs, size);
  }

  /**
   * Runs as (first page, pages) pairs in page order.
   *
   * @param pairs the pairs, from index 0; the array may be longer
   * @param size how many values of {@code pairs} are used
   */
  record Runs(long[] pairs, int size) {}
}
