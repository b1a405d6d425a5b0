package dev.strata.api;

/**
 * A read-only view of one committed state of the store (snapshot isolation): commits made after the
 * transaction began are invisible to it for its whole life.
 *
 * <p>A transaction belongs to one thread at a time and is not thread-safe; many read transactions
 * may be open at once, in any threads. Readers never block the writer. An open read transaction may
 * keep old versions of data alive (pages, snapshots, segments); close it promptly. Closing the
 * engine closes it.
 */
public interface ReadTxn extends AutoCloseable {
  /**
   * Reads the value of a key.
   *
   * @param key the key; the caller may reuse the array after the call
   * @return a new array that belongs to the caller, or null when the key is absent
   * @throws NullPointerException if {@code key} is null
   * @throws IllegalArgumentException if {@code key} is empty or longer than {@link
   *     Limits#MAX_KEY_SIZE}
   * @throws TransactionClosedException if the transaction is closed
   */
  byte[] get(byte[] key);

  /**
   * Opens a cursor over a range of this transaction's view.
   *
   * @param range the keys to visit and the direction
   * @return a cursor positioned before the first entry; closed with the transaction at the latest
   * @throws NullPointerException if {@code range} is null
   * @throws TransactionClosedException if the transaction is closed
   */
  Cursor cursor(KeyRange range);

  /** Ends the transaction (for a write transaction: rolls it back unless committed). Idempotent. */
  @Override
  void close();
}
