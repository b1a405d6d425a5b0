package dev.strata.api;

/**
 * Iterates the entries of a {@link KeyRange} in one transaction's snapshot, ascending or (for a
 * {@linkplain KeyRange#reversed() reversed} range) descending.
 *
 * <p>A cursor starts before its first entry: call {@link #next()} first. A cursor belongs to its
 * transaction and to one thread at a time; it is not thread-safe. It is closed when its transaction
 * ends; using it afterwards throws {@link TransactionClosedException}. Cursors of a write
 * transaction see the writes the transaction made before the cursor was opened; whether they see
 * writes made while iterating is unspecified.
 */
public interface Cursor extends AutoCloseable {
  /**
   * Advances to the next entry.
   *
   * @return true if there is a current entry, false when the range is exhausted
   * @throws TransactionClosedException if the cursor or its transaction is closed
   */
  boolean next();

  /**
   * Returns the current key.
   *
   * @return a new array that belongs to the caller
   * @throws IllegalStateException if {@link #next()} was not called or returned false
   * @throws TransactionClosedException if the cursor or its transaction is closed
   */
  byte[] key();

  /**
   * Returns the current value.
   *
   * @return a new array that belongs to the caller
   * @throws IllegalStateException if {@link #next()} was not called or returned false
   * @throws TransactionClosedException if the cursor or its transaction is closed
   */
  byte[] value();

  /** Releases the cursor's resources. Idempotent; never throws. */
  @Override
  void close();
}
