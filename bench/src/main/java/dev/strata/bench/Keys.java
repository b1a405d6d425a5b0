package dev.strata.bench;

import java.util.SplittableRandom;

/**
 * The bench's key space and values. Key {@code i} is 16 ASCII bytes, {@code 'k'} and 15 decimal
 * digits, so keys sort in id order and a range scan over ids is a range scan over keys. Loads visit
 * ids in a scrambled order so no engine gets the easy sequential-append case. Values are random
 * bytes (incompressible: LZ4 gains nothing). Thread-safe (stateless).
 */
public final class Keys {
  public static final int KEY_SIZE = 16;

  /** A prime above any key count the bench uses, so {@code i * STRIDE mod n} is a permutation. */
  private static final long STRIDE = 1_000_000_007L;

  private Keys() {}

  /**
   * Returns the key of an id.
   *
   * @param id a non-negative id below 10^15
   * @return a new 16-byte array that belongs to the caller
   */
  public static byte[] key(long id) {
    byte[] key = new byte[KEY_SIZE];
    key[0] = 'k';
    long v = id;
    for (int i = KEY_SIZE - 1; i >= 1; i--) {
      key[i] = (byte) ('0' + (int) (v % 10));
      v /= 10;
    }
    return key;
  }

  /**
   * Returns the id loaded at position {@code i} of a load of {@code n} keys; over {@code i =
   * 0..n-1} every id in {@code [0, n)} comes exactly once.
   *
   * @param i the position in the load, {@code 0 <= i < n}
   * @param n the number of keys loaded
   * @return the id to load at that position
   */
  public static long loadOrder(long i, long n) {
    return Math.floorMod(i * STRIDE + 12_345L, n);
  }

  /**
   * Returns random bytes.
   *
   * @param random the source; not thread-safe, so one per thread
   * @param size the length
   * @return a new array that belongs to the caller
   */
  public static byte[] value(SplittableRandom random, int size) {
    byte[] value = new byte[size];
    random.nextBytes(value);
    return value;
  }
}
