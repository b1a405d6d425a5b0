package dev.strata.bench.baseline;

import dev.strata.api.Cursor;
import dev.strata.api.KeyRange;
import dev.strata.api.TransactionClosedException;
import org.lmdbjava.GetOp;

/**
 * A Strata cursor over an LMDB cursor. Bounds are checked here with {@link KeyRange#compare} rather
 * than with lmdbjava's {@code KeyRange}, whose default comparator is signed. Not thread-safe.
 */
final class LmdbCursor implements Cursor {
  private final LmdbTxn txn;
  private final CallGuard guard;
  private final org.lmdbjava.Cursor<byte[]> cursor;
  private final KeyRange range;
  private boolean started;
  private boolean positioned;
  private byte[] key;
  private byte[] value;
  private volatile boolean closed;

  LmdbCursor(LmdbTxn txn, CallGuard guard, org.lmdbjava.Cursor<byte[]> cursor, KeyRange range) {
    this.txn = txn;
    this.guard = guard;
    this.cursor = cursor;
    this.range = range;
  }

  @Override
  public boolean next() {
    enter();
    try {
      if (range.isEmpty() || (started && !positioned)) {
        return positioned = false;
      }
      boolean found;
      if (!started) {
        started = true;
        found = range.isReversed() ? seekLast() : seekFirst();
      } else {
        found = range.isReversed() ? cursor.prev() : cursor.next();
      }
      // The byte[] proxy copies out of the map, so these arrays stay valid after the txn ends.
      key = found ? cursor.key() : null;
      value = found ? cursor.val() : null;
      positioned = found && range.contains(key);
      return positioned;
    } finally {
      guard.exit();
    }
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
    return key.clone();
  }

  @Override
  public byte[] value() {
    checkPositioned();
    return value.clone();
  }

  private void checkPositioned() {
    enter();
    guard.exit();
    if (!positioned) {
      throw new IllegalStateException(
          "cursor has no current entry: call next() first and check" + " that it returned true");
    }
  }

  private void enter() {
    if (closed) {
      throw new TransactionClosedException("cursor is closed");
    }
    txn.enterActive();
    if (closed) {
      guard.exit();
      throw new TransactionClosedException("cursor is closed");
    }
  }

  @Override
  public void close() {
    closed = true;
  }

  /** Frees the LMDB cursor; called by the transaction as it ends. */
  void closeNative() {
    closed = true;
    cursor.close();
  }
}
