package dev.strata.api;

/**
 * Iterates the entries of a {@link KeyRange} in one transaction's snapshot, ascending or (for a
 * {@linkplain KeyRange#reversed() reversed} range) descending.
 *
 * <p>A cursor starts before its first entry: call {@link #next()} first. A cursor belongs to its
 * transaction and to one thread at a time; it is not thread-safe. It is closed when its transaction
 * ends; using it afterwards throws {@link TransactionClosedException}.
 *
 * <h2>Cursors of a writing transaction</h2>
 *
 * A cursor of a {@link WriteTxn} sees the writes the transaction made before the cursor was opened.
 * The transaction may go on writing ({@code put}, {@code delete}, {@code deleteRange}) while the
 * cursor is open, for example deleting each entry as the cursor reaches it. Then:
 *
 * <ul>
 *   <li>the cursor never fails because of those writes;
 *   <li>it keeps its order: every key it returns sorts strictly after (for a reversed range:
 *       before) the key it returned previously, so no key is returned twice;
 *   <li>a key that was in its view when it was opened and that the transaction does not write while
 *       the cursor is open is returned, with that value (no key is skipped);
 *   <li>{@link #key()} and {@link #value()} return the entry as {@link #next()} found it, even
 *       after the transaction wrote that key;
 *   <li>for keys the transaction writes while the cursor is open and that the cursor has not
 *       reached yet, whether the cursor reflects the write is unspecified: a new key may or may not
 *       be returned, a deleted key may still be returned with an earlier value, an overwritten key
 *       may come with either value.
 * </ul>
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
