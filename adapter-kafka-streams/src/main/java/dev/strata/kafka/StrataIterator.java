package dev.strata.kafka;

import dev.strata.api.Cursor;
import dev.strata.api.KeyRange;
import dev.strata.api.ReadTxn;
import java.util.NoSuchElementException;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.KeyValueIterator;

/**
 * A Kafka iterator over an engine cursor. It reads either through the store's open write
 * transaction (on the writing thread; it then sees that thread's uncommitted writes) or through a
 * read transaction of its own (other threads).
 *
 * <p>When the store commits, the write transaction ends and so would its cursors: the store calls
 * {@link #moveToSnapshot()}, which re-opens the iterator on a read transaction of the state just
 * committed, positioned after the last key it fetched. An iterator is therefore never broken by a
 * commit and never holds one up; one left open holds its read snapshot until it is closed or the
 * store closes (see the README for what that costs each engine).
 *
 * <p>Not thread-safe, like Kafka's own iterators.
 */
final class StrataIterator implements KeyValueIterator<Bytes, byte[]> {
  private final StrataKeyValueStore store;
  private KeyRange range;
  private ReadTxn ownTxn;
  private Cursor cursor;
  private KeyValue<Bytes, byte[]> next;
  private byte[] lastEngineKey;
  private boolean exhausted;
  private boolean closed;

  /**
   * Opens an iterator.
   *
   * @param txn the transaction to read
   * @param ownsTxn whether the iterator closes {@code txn} (a read transaction of its own)
   */
  StrataIterator(StrataKeyValueStore store, KeyRange range, ReadTxn txn, boolean ownsTxn) {
    this.store = store;
    this.range = range;
    this.ownTxn = ownsTxn ? txn : null;
    this.cursor = txn.cursor(range);
  }

  /** Whether it reads through the store's write transaction. */
  boolean readsWriteTxn() {
    return ownTxn == null && !closed;
  }

  /** Re-opens the iterator on the last committed state, after the last key it fetched. */
  void moveToSnapshot() {
    if (closed || exhausted) {
      return;
    }
    cursor.close();
    KeyRange rest = lastEngineKey == null ? range : StoreKeys.after(range, lastEngineKey);
    ownTxn = store.engine().beginRead();
    range = rest;
    cursor = ownTxn.cursor(rest);
  }

  @Override
  public boolean hasNext() {
    checkOpen();
    if (next == null && !exhausted) {
      if (cursor.next()) {
        byte[] key = cursor.key();
        lastEngineKey = key;
        next = KeyValue.pair(Bytes.wrap(StoreKeys.kafkaKey(key)), cursor.value());
      } else {
        exhausted = true;
      }
    }
    return next != null;
  }

  @Override
  public KeyValue<Bytes, byte[]> next() {
    if (!hasNext()) {
      throw new NoSuchElementException("iterator of store " + store.name() + " is exhausted");
    }
    KeyValue<Bytes, byte[]> entry = next;
    next = null;
    return entry;
  }

  @Override
  public Bytes peekNextKey() {
    if (!hasNext()) {
      throw new NoSuchElementException("iterator of store " + store.name() + " is exhausted");
    }
    return next.key;
  }

  private void checkOpen() {
    if (closed) {
      throw new InvalidStateStoreException("iterator of store " + store.name() + " is closed");
    }
    if (!store.isOpen()) {
      throw new InvalidStateStoreException("store " + store.name() + " is closed");
    }
  }

  /** Closes the cursor and the iterator's own transaction. Idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    cursor.close();
    if (ownTxn != null) {
      ownTxn.close();
    }
    store.forget(this);
  }
}
