package dev.strata.ledger;

import dev.strata.api.Cursor;
import dev.strata.api.TransactionClosedException;
import java.util.Iterator;
import java.util.Map;

/**
 * A cursor over what a ledger transaction sees. Values are read from the log only when asked for,
 * so scanning keys costs no value I/O. Checks its transaction on every call.
 */
final class LedgerCursor implements Cursor {
  private final LedgerReadTxn txn;
  private final Iterator<Map.Entry<byte[], Object>> entries;
  private Map.Entry<byte[], Object> current;
  private boolean closed;

  LedgerCursor(LedgerReadTxn txn, Iterator<Map.Entry<byte[], Object>> entries) {
    this.txn = txn;
    this.entries = entries;
  }

  @Override
  public boolean next() {
    txn.engine.enter();
    try {
      checkOpen();
      current = entries.hasNext() ? entries.next() : null;
      return current != null;
    } finally {
      txn.engine.exit();
    }
  }

  @Override
  public byte[] key() {
    txn.engine.enter();
    try {
      return currentEntry().getKey().clone();
    } finally {
      txn.engine.exit();
    }
  }

  @Override
  public byte[] value() {
    txn.engine.enter();
    try {
      Object v = currentEntry().getValue();
      return v instanceof byte[] bytes ? bytes.clone() : txn.engine.reader.value((IndexEntry) v);
    } finally {
      txn.engine.exit();
    }
  }

  private Map.Entry<byte[], Object> currentEntry() {
    checkOpen();
    if (current == null) {
      throw new IllegalStateException(
          "cursor has no current entry: call next() first and check" + " that it returned true");
    }
    return current;
  }

  private void checkOpen() {
    if (closed) {
      throw new TransactionClosedException("cursor is closed");
    }
    txn.checkActive();
  }

  @Override
  public void close() {
    closed = true;
  }
}
