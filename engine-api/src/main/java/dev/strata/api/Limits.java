package dev.strata.api;

import java.util.Objects;

/**
 * Size limits every engine enforces, and the checks that enforce them. Engines call these checks
 * before touching any state, so a rejected argument never changes the store.
 */
public final class Limits {
  /** Largest key, in bytes. Keys are 1 to {@code MAX_KEY_SIZE} bytes long. */
  public static final int MAX_KEY_SIZE = 32_768;

  /** Largest value, in bytes. Values are 0 to {@code MAX_VALUE_SIZE} bytes long. */
  public static final int MAX_VALUE_SIZE = 1 << 28;

  private Limits() {}

  /**
   * Checks a key against the limits.
   *
   * @param key the key to check
   * @return {@code key}, for chaining
   * @throws NullPointerException if {@code key} is null
   * @throws IllegalArgumentException if {@code key} is empty or longer than {@link #MAX_KEY_SIZE}
   */
  public static byte[] checkKey(byte[] key) {
    Objects.requireNonNull(key, "key");
    if (key.length == 0) {
      throw new IllegalArgumentException("key is empty; keys are 1.." + MAX_KEY_SIZE + " bytes");
    }
    if (key.length > MAX_KEY_SIZE) {
      throw new IllegalArgumentException(
          "key is " + key.length + " bytes; MAX_KEY_SIZE is " + MAX_KEY_SIZE);
    }
    return key;
  }

  /**
   * Checks a value against the limits.
   *
   * @param value the value to check
   * @return {@code value}, for chaining
   * @throws NullPointerException if {@code value} is null
   * @throws IllegalArgumentException if {@code value} is longer than {@link #MAX_VALUE_SIZE}
   */
  public static byte[] checkValue(byte[] value) {
    Objects.requireNonNull(value, "value");
    if (value.length > MAX_VALUE_SIZE) {
      throw new IllegalArgumentException(
          "value is " + value.length + " bytes; MAX_VALUE_SIZE is " + MAX_VALUE_SIZE);
    }
    return value;
  }
}
