package dev.strata.api.spi;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * For engine implementers: sorting byte-array keys in unsigned lexicographic order (the order of
 * {@link dev.strata.api.KeyRange#compare}) through their first 8 bytes packed in a {@code long}, so
 * a sort compares primitives and reads key bytes only on a tie. Stateless and thread-safe.
 */
public final class KeyBytes {
  private static final VarHandle BIG_ENDIAN_LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
  private static final VarHandle LITTLE_ENDIAN_LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  private KeyBytes() {}

  /**
   * The key's first 8 bytes as an unsigned big-endian number, zero-padded.
   *
   * @param key the key; not modified
   * @return the prefix
   */
  public static long prefix(byte[] key) {
    if (key.length >= 8) {
      return (long) BIG_ENDIAN_LONGS.get(key, 0);
    }
    long p = 0;
    for (int i = 0; i < 8; i++) {
      p = p << 8 | (i < key.length ? key[i] & 0xFF : 0);
    }
    return p;
  }

  /**
   * Unsigned byte order of two keys, from their prefixes when those differ.
   *
   * @param prefixA {@code prefix(a)}
   * @param a the first key
   * @param prefixB {@code prefix(b)}
   * @param b the second key
   * @return negative, zero or positive as {@code a} sorts before, with or after {@code b}
   */
  public static int compare(long prefixA, byte[] a, long prefixB, byte[] b) {
    if (prefixA != prefixB) {
      return Long.compareUnsigned(prefixA, prefixB);
    }
    return Arrays.compareUnsigned(a, b);
  }

  /** Bits of a packed sort word that hold the position; the rest hold the prefix's top bits. */
  private static final int POSITION_BITS = 20;

  /**
   * Sorts {@code ids[0, n)} (with their {@code prefixes}) by key; keys are distinct. Not
   * thread-safe over the same arrays; the arrays are the caller's and are sorted in place. The ids
   * are ordered first by a primitive sort of words packing each prefix's top 43 bits above its
   * position, several times faster than comparing keys; only runs of equal top bits (keys that
   * share their first five bytes) are then sorted again by full key.
   *
   * @param ids indexes into {@code keys}, sorted in place
   * @param prefixes each id's {@link #prefix}, permuted along with the ids
   * @param keys the keys the ids stand for; not modified
   * @param n how many ids to sort
   */
  public static void sortByKey(int[] ids, long[] prefixes, byte[][] keys, int n) {
    if (n >= 1 << POSITION_BITS) {
      sortByKey(ids, prefixes, keys, new int[n], new long[n], 0, n);
      return;
    }
    long[] packed = new long[n];
    for (int i = 0; i < n; i++) {
      packed[i] = (prefixes[i] >>> (POSITION_BITS + 1)) << POSITION_BITS | i;
    }
    Arrays.sort(packed);
    int[] sortedIds = new int[n];
    long[] sortedPrefixes = new long[n];
    for (int k = 0; k < n; k++) {
      int from = (int) (packed[k] & ((1 << POSITION_BITS) - 1));
      sortedIds[k] = ids[from];
      sortedPrefixes[k] = prefixes[from];
    }
    System.arraycopy(sortedIds, 0, ids, 0, n);
    System.arraycopy(sortedPrefixes, 0, prefixes, 0, n);
    for (int start = 0; start < n; ) {
      int end = start + 1;
      while (end < n && packed[end] >>> POSITION_BITS == packed[start] >>> POSITION_BITS) {
        end++;
      }
      if (end - start > 1) {
        sortByKey(ids, prefixes, keys, sortedIds, sortedPrefixes, start, end);
      }
      start = end;
    }
  }

  /**
   * Merge sort of {@code ids[from, to)} (with their {@code prefixes}) by key; keys are distinct.
   * Linear on input that is already sorted, as a block's new keys are.
   */
  private static void sortByKey(
      int[] ids,
      long[] prefixes,
      byte[][] keys,
      int[] idScratch,
      long[] prefixScratch,
      int from,
      int to) {
    if (to - from < 2) {
      return;
    }
    int mid = (from + to) >>> 1;
    sortByKey(ids, prefixes, keys, idScratch, prefixScratch, from, mid);
    sortByKey(ids, prefixes, keys, idScratch, prefixScratch, mid, to);
    if (compare(prefixes[mid - 1], keys[ids[mid - 1]], prefixes[mid], keys[ids[mid]]) < 0) {
      return;
    }
    System.arraycopy(ids, from, idScratch, from, to - from);
    System.arraycopy(prefixes, from, prefixScratch, from, to - from);
    int i = from;
    int j = mid;
    for (int k = from; k < to; k++) {
      boolean left =
          j >= to
              || (i < mid
                  && compare(
                          prefixScratch[i],
                          keys[idScratch[i]],
                          prefixScratch[j],
                          keys[idScratch[j]])
                      < 0);
      int taken = left ? i++ : j++;
      ids[k] = idScratch[taken];
      prefixes[k] = prefixScratch[taken];
    }
  }

  /**
   * A well-mixed 32-bit hash of a key, 8 bytes at a time, for open-addressing tables.
   *
   * @param key the key; not modified
   * @return the hash
   */
  public static int hash(byte[] key) {
    long h = key.length * 0x9E3779B97F4A7C15L;
    int i = 0;
    for (; i + 8 <= key.length; i += 8) {
      h = (h ^ (long) LITTLE_ENDIAN_LONGS.get(key, i)) * 0xBF58476D1CE4E5B9L;
      h ^= h >>> 31;
    }
    long tail = 0;
    for (; i < key.length; i++) {
      tail = tail << 8 | (key[i] & 0xFF);
    }
    h = (h ^ tail) * 0x94D049BB133111EBL;
    h ^= h >>> 29;
    return (int) (h ^ (h >>> 32));
  }
}
