package dev.strata.freelist;

import it.unimi.dsi.fastutil.longs.Long2LongMap;
import it.unimi.dsi.fastutil.longs.Long2LongOpenHashMap;
import it.unimi.dsi.fastutil.longs.LongArrayList;
import java.util.Arrays;

/**
 * A set of page ids stored as 64-bit words in a primitive hash map, holding only the words that
 * have a bit set. Range operations cost one hash operation per 64 pages, so marking or testing a
 * run is constant-time in the size of the set; memory follows the occupied words, not the file
 * size.
 */
final class SparseBitSet {
  private Long2LongOpenHashMap words = new Long2LongOpenHashMap();
  private long cardinality;

  boolean get(long bit) {
    return (words.get(bit >>> 6) & (1L << bit)) != 0;
  }

  long cardinality() {
    return cardinality;
  }

  void clearAll() {
    words.clear();
    words.trim();
    cardinality = 0;
  }

  /**
   * Clears every bit but keeps room for {@code expectedWords} occupied words, for a set that is
   * emptied and filled again over and over.
   */
  void clearAll(int expectedWords) {
    words.clear();
    words.trim(expectedWords);
    cardinality = 0;
  }

  /**
   * Makes the set exactly the bits of the given runs, each word stored once in a table sized for
   * the words they occupy (counted first, so the table is no larger than growing it would make it):
   * a bulk load instead of one hash update per run.
   *
   * @param runs (start, length) pairs in ascending order, disjoint; adjacent runs allowed
   * @param size how many values of {@code runs} to use
   */
  void load(long[] runs, int size) {
    long pages = 0;
    long occupied = 0;
    long counted = -1;
    for (int k = 0; k < size; k += 2) {
      pages += runs[k + 1];
      long last = (runs[k] + runs[k + 1] - 1) >>> 6;
      if (last > counted) {
        occupied += last - Math.max(runs[k] >>> 6, counted + 1) + 1;
        counted = last;
      }
    }
    words = new Long2LongOpenHashMap((int) Math.min(occupied, 1 << 30));
    cardinality = pages;
    long word = -1;
    long bits = 0;
    for (int k = 0; k < size; k += 2) {
      long from = runs[k];
      long to = from + runs[k + 1];
      for (long w = from >>> 6, last = (to - 1) >>> 6; w <= last; w++) {
        if (w != word) {
          if (bits != 0) {
            words.put(word, bits);
          }
          word = w;
          bits = 0;
        }
        bits |= mask(w, from, to);
      }
    }
    if (bits != 0) {
      words.put(word, bits);
    }
  }

  /** Sets bits {@code from .. from + count - 1}. */
  void set(long from, long count) {
    long to = from + count;
    for (long w = from >>> 6, last = (to - 1) >>> 6; w <= last; w++) {
      long old = words.get(w);
      long updated = old | mask(w, from, to);
      if (updated != old) {
        words.put(w, updated);
        cardinality += Long.bitCount(updated) - Long.bitCount(old);
      }
    }
  }

  /** Clears bits {@code from .. from + count - 1}. */
  void clear(long from, long count) {
    long to = from + count;
    for (long w = from >>> 6, last = (to - 1) >>> 6; w <= last; w++) {
      long old = words.get(w);
      if (old == 0) {
        continue;
      }
      long updated = old & ~mask(w, from, to);
      if (updated != old) {
        if (updated == 0) {
          words.remove(w);
        } else {
          words.put(w, updated);
        }
        cardinality -= Long.bitCount(old) - Long.bitCount(updated);
      }
    }
  }

  /** Returns the lowest set bit in {@code from .. from + count - 1}, or -1. */
  long firstSetIn(long from, long count) {
    long to = from + count;
    for (long w = from >>> 6, last = (to - 1) >>> 6; w <= last; w++) {
      long bits = words.get(w) & mask(w, from, to);
      if (bits != 0) {
        return (w << 6) + Long.numberOfTrailingZeros(bits);
      }
    }
    return -1;
  }

  /** Returns the highest set bit in {@code from .. to - 1}, or -1. */
  long lastSetIn(long from, long to) {
    if (to <= from) {
      return -1;
    }
    for (long w = (to - 1) >>> 6, first = from >>> 6; w >= first; w--) {
      long bits = words.get(w) & mask(w, from, to);
      if (bits != 0) {
        return (w << 6) + 63 - Long.numberOfLeadingZeros(bits);
      }
    }
    return -1;
  }

  /** Returns how many bits are set in {@code from .. from + count - 1}. */
  long countIn(long from, long count) {
    long to = from + count;
    long n = 0;
    for (long w = from >>> 6, last = (to - 1) >>> 6; w <= last; w++) {
      n += Long.bitCount(words.get(w) & mask(w, from, to));
    }
    return n;
  }

  /**
   * Appends the maximal runs of set bits as (start, length) pairs in ascending order. Sorts the
   * occupied words rather than the runs: a word holds up to 32 runs, so this is far cheaper than
   * sorting run starts when the set is fragmented.
   */
  void runsInOrder(LongArrayList out) {
    long[] indexes = words.keySet().toLongArray();
    Arrays.sort(indexes);
    long runStart = -1;
    long runEnd = -1;
    for (long w : indexes) {
      long bits = words.get(w);
      long base = w << 6;
      while (bits != 0) {
        int from = Long.numberOfTrailingZeros(bits);
        int to = Long.numberOfTrailingZeros(~(bits | ((1L << from) - 1)));
        long start = base + from;
        long end = base + to;
        if (start == runEnd) {
          runEnd = end;
        } else {
          if (runStart >= 0) {
            out.add(runStart);
            out.add(runEnd - runStart);
          }
          runStart = start;
          runEnd = end;
        }
        bits = to == 64 ? 0 : bits & (-1L << to);
      }
    }
    if (runStart >= 0) {
      out.add(runStart);
      out.add(runEnd - runStart);
    }
  }

  /** Throws unless the stored words add up to the tracked cardinality and none is zero. */
  void checkInvariants(String name) {
    long total = 0;
    for (Long2LongMap.Entry e : words.long2LongEntrySet()) {
      if (e.getLongValue() == 0) {
        throw new IllegalStateException(name + " keeps an empty word at index " + e.getLongKey());
      }
      total += Long.bitCount(e.getLongValue());
    }
    if (total != cardinality) {
      throw new IllegalStateException(
          name + " holds " + total + " bits but its cardinality says " + cardinality);
    }
  }

  // Bits of word w that fall inside [from, to); written without from + 64 style sums so page ids
  // near Long.MAX_VALUE cannot overflow.
  private static long mask(long w, long from, long to) {
    long wordStart = w << 6;
    long lo = from > wordStart ? from - wordStart : 0;
    long hi = Math.min(to - wordStart, 64);
    long m = -1L << lo;
    return hi == 64 ? m : m & ((1L << hi) - 1);
  }
}
