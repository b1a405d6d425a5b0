package dev.strata.bench.baseline;

import dev.strata.api.Cursor;
import dev.strata.api.KeyRange;
import dev.strata.api.TransactionClosedException;
import org.rocksdb.RocksIterator;

/** A Strata cursor over a RocksDB iterator, checking the range bounds itself. Not thread-safe. */
final class RocksDbCursor implements Cursor {
  private final RocksDbTxn txn;
  private final CallGuard guard;
  private final RocksIterator iterator;
  private final KeyRange range;
  private boolean started;
  private boolean positioned;
  private byte[] key;
  private byte[] value;
  private volatile boolean closed;

  RocksDbCursor(RocksDbTxn txn, CallGuard guard, RocksIterator iterator, KeyRange range) {
    this.txn = txn;
    this.guard = guard;
    this.iterator = iterator;
    this.range = range;
  }

  @Override
  public boolean next() {
    enter();
    try {
      if (range.isEmpty() || (started && !positioned)) {
        return positioned = false;
      }
      if (!started) {
        started = true;
        seekStart();
      } else if (range.isReversed()) {
        iterator.prev();
      } else {
        iterator.next();
      }
      key = iterator.isValid() ? iterator.key() : null;
      positioned = key != null && range.contains(key);
      value = positioned ? iterator.value() : null;
      return positioned;
    } finally {
      guard.exit();
    }
  }

  private void seekStart() {
    if (range.isReversed()) {
      byte[] upper = range.upperBound();
      if (upper == null) {
        iterator.seekToLast();
      } else {
        // seekForPrev lands on the last key <= upper; the bound is exclusive.
        iterator.seekForPrev(upper);
        if (iterator.isValid() && KeyRange.compare(iterator.key(), upper) == 0) {
          iterator.prev();
        }
      }
    } else {
      byte[] lower = range.lowerBound();
      if (lower == null) {
        iterator.seekToFirst();
      } else {
        iterator.seek(lower);
      }
    }
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

  /** Frees the RocksDB iterator; called by the transaction as it ends. */
  void closeNative() {
    closed = true;
    iterator.close();
  }
}
