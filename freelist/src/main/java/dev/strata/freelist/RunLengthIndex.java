package dev.strata.freelist;

import it.unimi.dsi.fastutil.longs.LongRBTreeSet;

/**
 * The set of run lengths that currently have at least one free run, answering "shortest length
 * {@code >= n}". Lengths below {@link #SMALL_LIMIT} — nearly all of them in a B+tree's page file —
 * live in a two-level bitmap (64 words and a summary word saying which words are non-zero), so a
 * ceiling query is a few bit operations. Longer lengths fall back to a sorted tree, O(log d) for d
 * distinct long lengths.
 */
final class RunLengthIndex {
  static final int SMALL_LIMIT = 64 * 64;

  private final long[] smallWords = new long[64];
  private long summary;
  private final LongRBTreeSet large = new LongRBTreeSet();
  private int size;

  int size() {
    return size;
  }

  boolean contains(long length) {
    if (length < SMALL_LIMIT) {
      return (smallWords[(int) (length >>> 6)] & (1L << length)) != 0;
    }
    return large.contains(length);
  }

  void add(long length) {
    if (length < SMALL_LIMIT) {
      int word = (int) (length >>> 6);
      if ((smallWords[word] & (1L << length)) == 0) {
        smallWords[word] |= 1L << length;
        summary |= 1L << word;
        size++;
      }
    } else if (large.add(length)) {
      size++;
    }
  }

  void remove(long length) {
    if (length < SMALL_LIMIT) {
      int word = (int) (length >>> 6);
      if ((smallWords[word] & (1L << length)) != 0) {
        smallWords[word] &= ~(1L << length);
        if (smallWords[word] == 0) {
          summary &= ~(1L << word);
        }
        size--;
      }
    } else if (large.remove(length)) {
      size--;
    }
  }

  /** Returns the smallest indexed length {@code >= n}, or -1 if there is none. */
  long ceiling(long n) {
    if (n < SMALL_LIMIT) {
      int word = (int) (n >>> 6);
      long bits = smallWords[word] & (-1L << n);
      if (bits != 0) {
        return ((long) word << 6) + Long.numberOfTrailingZeros(bits);
      }
      long laterWords = word == 63 ? 0 : summary & (-1L << (word + 1));
      if (laterWords != 0) {
        int next = Long.numberOfTrailingZeros(laterWords);
        return ((long) next << 6) + Long.numberOfTrailingZeros(smallWords[next]);
      }
      return large.isEmpty() ? -1 : large.firstLong();
    }
    if (large.isEmpty() || large.lastLong() < n) {
      return -1;
    }
    return large.tailSet(n).firstLong();
  }

  void clear() {
    java.util.Arrays.fill(smallWords, 0);
    summary = 0;
    large.clear();
    size = 0;
  }
}
