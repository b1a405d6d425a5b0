package dev.strata.api;

import java.util.Objects;

/**
 * The store's single write transaction. Reads through it see its own uncommitted writes on top of
 * the state committed when it began. Write transactions are serial: {@link
 * StorageEngine#beginWrite()} blocks while another is open, so committed history is serializable.
 *
 * <p>A transaction belongs to one thread at a time and is not thread-safe. It ends with exactly one
 * of {@link #commit()}, {@link #rollback()} or {@link #close()} (which rolls back when not
 * committed); afterwards every method but {@code close()} and {@code rollback()} throws {@link
 * TransactionClosedException}.
 *
 * <p>If an engine fails during {@code commit()} (I/O error, full disk), the commit throws, the
 * transaction is rolled back, and none of its writes is visible, before or after a reopen.
 */
public interface WriteTxn extends ReadTxn {
  /**
   * Inserts or overwrites a key.
   *
   * @param key the key; the caller may reuse the array after the call
   * @param value the value, possibly empty; the caller may reuse the array after the call
   * @throws NullPointerException if {@code key} or {@code value} is null
   * @throws IllegalArgumentException if the key is empty or longer than {@link
   *     Limits#MAX_KEY_SIZE}, or the value is longer than {@link Limits#MAX_VALUE_SIZE}
   * @throws TransactionClosedException if the transaction is closed
   */
  void put(byte[] key, byte[] value);

  /**
   * Deletes a key; does nothing when the key is absent.
   *
   * @param key the key; the caller may reuse the array after the call
   * @throws NullPointerException if {@code key} is null
   * @throws IllegalArgumentException if the key is empty or longer than {@link Limits#MAX_KEY_SIZE}
   * @throws TransactionClosedException if the transaction is closed
   */
  void delete(byte[] key);

  /**
   * Deletes every key inside {@code range} (its direction does not matter); keys outside it are
   * untouched. Reads of this transaction see the deletion at once; other transactions see it when
   * the transaction commits, all at once with its other writes. An empty range deletes nothing.
   *
   * <p>The default walks the range with a cursor of this transaction and deletes each key it meets
   * (legal by {@link Cursor}'s rule for cursors of a writing transaction), so it costs one delete
   * per live key. Engines with a native range deletion override it: {@code lsm} writes one RocksDB
   * range tombstone ({@code DeleteRange}) while the transaction has not read its own writes.
   *
   * <p>The {@linkplain WriteAmplificationMeter meter}'s logical bytes grow by the length of each
   * key deleted through the default, and by the length of the range's bounds for a native range
   * deletion.
   *
   * @param range the keys to delete
   * @throws NullPointerException if {@code range} is null
   * @throws TransactionClosedException if the transaction is closed
   */
  default void deleteRange(KeyRange range) {
    Objects.requireNonNull(range, "range");
    KeyRange ascending = range.isReversed() ? range.reversed() : range;
    try (Cursor cursor = cursor(ascending)) {
      while (cursor.next()) {
        delete(cursor.key());
      }
    }
  }

  /**
   * Makes the transaction's writes visible to transactions that begin afterwards and, under {@link
   * Durability#SYNC}, durable before returning. Ends the transaction.
   *
   * @throws TransactionClosedException if the transaction already ended
   * @throws StorageFullException if the disk is full; the transaction is rolled back
   * @throws StorageIOException if an I/O error prevented the commit; the transaction is rolled back
   * @throws EngineFailedException if an earlier failure made the engine refuse writes
   */
  void commit();

  /** Discards the transaction's writes and ends it. Idempotent; a no-op after commit. */
  void rollback();
}
