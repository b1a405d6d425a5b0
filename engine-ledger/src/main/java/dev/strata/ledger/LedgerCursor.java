package dev.strata.ledger;

import dev.strata.api.spi.EntryCursor;
import dev.strata.ledger.index.IndexEntry;
import java.util.Iterator;
import java.util.Map;

/**
 * A cursor over what a ledger transaction sees ({@link EntryCursor}). Values are read from the log
 * only when asked for, so scanning keys costs no value I/O. Checks its transaction on every call;
 * every call holds off the engine's close.
 */
final class LedgerCursor extends EntryCursor<Object> {
  private final LedgerReadTxn txn;

  LedgerCursor(LedgerReadTxn txn, Iterator<Map.Entry<byte[], Object>> entries) {
    super(entries);
    this.txn = txn;
  }

  @Override
  protected void checkTransaction() {
    txn.checkActive();
  }

  /** An overlay's value is a {@code byte[]}; a committed one an index entry read on demand. */
  @Override
  protected byte[] valueOf(Object value) {
    return value instanceof byte[] bytes
        ? bytes.clone()
        : txn.engine.reader.value((IndexEntry) value);
  }

  @Override
  protected void enter() {
    txn.engine.enter();
  }

  @Override
  protected void exit() {
    txn.engine.exit();
  }
}
