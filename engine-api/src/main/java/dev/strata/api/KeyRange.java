package dev.strata.api;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * An immutable half-open interval of keys, {@code [lowerBound, upperBound)}, in unsigned
 * lexicographic (memcmp) order, plus a direction.
 *
 * <p>Every factory normalises to that one form: a missing bound ({@code null}) is unbounded, and
 * {@link #prefix(byte[])} becomes {@code [prefix, successor(prefix))}, where the successor of a
 * prefix made only of {@code 0xFF} bytes is unbounded. A range whose lower bound is not below its
 * upper bound is empty; it is legal and yields no entries.
 *
 * <p>Instances copy the arrays they are given and hand out copies, so callers may reuse theirs.
 * Instances are thread-safe.
 */
public final class KeyRange {
  private static final KeyRange ALL = new KeyRange(null, null, false);

  private final byte[] lower;
  private final byte[] upper;
  private final boolean reversed;

  private KeyRange(byte[] lower, byte[] upper, boolean reversed) {
    this.lower = lower;
    this.upper = upper;
    this.reversed = reversed;
  }

  /**
   * Returns the range of every key, ascending.
   *
   * @return the unbounded range
   */
  public static KeyRange all() {
    return ALL;
  }

  /**
   * Returns the keys that start with {@code prefix}, ascending.
   *
   * @param prefix the common prefix; may be empty (then every key matches)
   * @return the prefix range
   * @throws NullPointerException if {@code prefix} is null
   */
  public static KeyRange prefix(byte[] prefix) {
    Objects.requireNonNull(prefix, "prefix");
    if (prefix.length == 0) {
      return ALL;
    }
    return new KeyRange(prefix.clone(), successor(prefix), false);
  }

  /**
   * Returns the keys {@code k} with {@code fromInclusive <= k < toExclusive}, ascending. When
   * {@code fromInclusive >= toExclusive} the range is empty.
   *
   * @param fromInclusive the lowest key in the range
   * @param toExclusive the first key above the range
   * @return the bounded range
   * @throws NullPointerException if either bound is null
   */
  public static KeyRange between(byte[] fromInclusive, byte[] toExclusive) {
    Objects.requireNonNull(fromInclusive, "fromInclusive");
    Objects.requireNonNull(toExclusive, "toExclusive");
    return new KeyRange(fromInclusive.clone(), toExclusive.clone(), false);
  }

  /**
   * Returns the keys {@code k >= fromInclusive}, ascending.
   *
   * @param fromInclusive the lowest key in the range
   * @return the range
   * @throws NullPointerException if {@code fromInclusive} is null
   */
  public static KeyRange atLeast(byte[] fromInclusive) {
    Objects.requireNonNull(fromInclusive, "fromInclusive");
    return new KeyRange(fromInclusive.clone(), null, false);
  }

  /**
   * Returns the keys {@code k < toExclusive}, ascending.
   *
   * @param toExclusive the first key above the range
   * @return the range
   * @throws NullPointerException if {@code toExclusive} is null
   */
  public static KeyRange below(byte[] toExclusive) {
    Objects.requireNonNull(toExclusive, "toExclusive");
    return new KeyRange(null, toExclusive.clone(), false);
  }

  /**
   * Returns the same bounds in the opposite direction. {@code r.reversed().reversed()} equals
   * {@code r}.
   *
   * @return this range, iterated in the other direction
   */
  public KeyRange reversed() {
    return new KeyRange(lower, upper, !reversed);
  }

  /**
   * Tells whether cursors over this range run from the highest key down.
   *
   * @return true for descending order
   */
  public boolean isReversed() {
    return reversed;
  }

  /**
   * Tells whether a key lies inside the bounds (direction does not matter).
   *
   * @param key the key to test
   * @return true if {@code lowerBound <= key < upperBound}
   * @throws NullPointerException if {@code key} is null
   */
  public boolean contains(byte[] key) {
    Objects.requireNonNull(key, "key");
    return (lower == null || compare(key, lower) >= 0)
        && (upper == null || compare(key, upper) < 0);
  }

  /**
   * Tells whether the bounds exclude every key.
   *
   * @return true if the range can contain no key
   */
  public boolean isEmpty() {
    return lower != null && upper != null && compare(lower, upper) >= 0;
  }

  /**
   * Returns a copy of the inclusive lower bound.
   *
   * @return the lowest key in the range, or null when unbounded below
   */
  public byte[] lowerBound() {
    return lower == null ? null : lower.clone();
  }

  /**
   * Returns a copy of the exclusive upper bound.
   *
   * @return the first key above the range, or null when unbounded above
   */
  public byte[] upperBound() {
    return upper == null ? null : upper.clone();
  }

  /**
   * Tells whether a key is below the lower bound (direction does not matter).
   *
   * @param key the key to test
   * @return true if the range has a lower bound and {@code key} sorts before it
   */
  public boolean isBelow(byte[] key) {
    return lower != null && compare(key, lower) < 0;
  }

  /**
   * Tells whether a key is at or past the upper bound (direction does not matter).
   *
   * @param key the key to test
   * @return true if the range has an upper bound and {@code key} does not sort before it
   */
  public boolean isAbove(byte[] key) {
    return upper != null && compare(key, upper) >= 0;
  }

  /**
   * Compares two keys as unsigned bytes, lexicographically (memcmp order); a proper prefix sorts
   * first. This is the one key order of every Strata engine.
   *
   * @param a a key
   * @param b another key
   * @return negative, zero or positive as {@code a} sorts before, equal to or after {@code b}
   */
  public static int compare(byte[] a, byte[] b) {
    return Arrays.compareUnsigned(a, b);
  }

  /**
   * Returns the smallest key greater than every key that starts with {@code prefix}, or null when
   * there is none (the prefix is empty or all {@code 0xFF}).
   */
  private static byte[] successor(byte[] prefix) {
    for (int i = prefix.length - 1; i >= 0; i--) {
      if (prefix[i] != (byte) 0xFF) {
        byte[] next = Arrays.copyOf(prefix, i + 1);
        next[i]++;
        return next;
      }
    }
    return null;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof KeyRange other
        && reversed == other.reversed
        && Arrays.equals(lower, other.lower)
        && Arrays.equals(upper, other.upper);
  }

  @Override
  public int hashCode() {
    return (31 * Arrays.hashCode(lower) + Arrays.hashCode(upper)) * 2 + (reversed ? 1 : 0);
  }

  @Override
  public String toString() {
    HexFormat hex = HexFormat.of();
    return "["
        + (lower == null ? "-inf" : hex.formatHex(lower))
        + ", "
        + (upper == null ? "+inf" : hex.formatHex(upper))
        + ")"
        + (reversed ? " desc" : " asc");
  }
}
