package dev.strata.bench.baseline;

import dev.strata.api.Cursor;
import dev.strata.api.KeyRange;
import dev.strata.api.TransactionClosedException;
import org.lmdbjava.GetOp;

/**
 * A Strata cursor over an LMDB cursor. Bounds are checked here with {@link KeyRange#compare}
 * rather than with lmdbjava's {@code KeyRange}, whose default comparator is signed. Not
 * thread-safe.
 */
final class LmdbCursor implements Cursor {
  private final LmdbTxn txn;
  private final org.lmdbjava.Cursor<byte[]> cursor;
  private final KeyRange range;
  private boolean started;
  private boolean positioned;
  private boolean closed;

  LmdbCursor(LmdbTxn txn, org.lmdbjava.Cursor<byte[]> cursor, KeyRange range) {
    this.txn = txn;
    this.cursor = cursor;
    this.range = range;
  }

  @Override
  public boolean next() {
    checkOpen();
    if (range.isEmpty()) {
      return positioned = false;
    }
    boolean found;
    if (!started) {
      started = true;
      found = range.isReversed() ? seekLast() : seekFirst();
    } else if (!positioned) {
      return false;
    } else {
      found = range.isReversed() ? cursor.prev() : cursor.next();
    }
    positioned = found && range.contains(cursor.key());
    return positioned;
  }

  private boolean seekFirst() {
    byte[] lower = range.lowerBound();
    return lower == null ? cursor.first() : cursor.get(lower, GetOp.MDB_SET_RANGE);
  }

  private boolean seekLast() {
    byte[] upper = range.upperBound();
    if (upper == null) {
      return cursor.last();
    }
    // The first key at or above the exclusive upper bound; the entry before it is the last inside.
    return cursor.get(upper, GetOp.MDB_SET_RANGE) ? cursor.prev() : cursor.last();
  }

  @Override
  public byte[] key() {
    checkPositioned();
    return cursor.key().clone();
  }

  @Override
  public byte[] value() {
    checkPositioned();
    return cursor.val().clone();
  }

  private void checkPositioned() {
    checkOpen();
    if (!positioned) {
      throw new IllegalStateException("cursor has no current entry: call next() first and check"
          + " that it returned true");
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new TransactionClosedException("cursor is closed");
    }
    txn.checkActive();
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      cursor.close();
    }
  }
}
