package dev.strata.ledger;

import dev.strata.api.KeyRange;
import dev.strata.api.Limits;
import dev.strata.api.WriteTxn;
import dev.strata.api.spi.WriteOverlay;
import dev.strata.ledger.log.CommittedState;
import java.util.Iterator;
import java.util.Map;

/**
 * The ledger's write transaction: writes collect in an {@link WriteOverlay} (last write per key
 * wins), sorted once at commit into one block of entries plus a commit marker. Reads see the
 * overlay over the latest appended state; a cursor sees the overlay as it was when the cursor
 * opened.
 */
final class LedgerWriteTxn extends LedgerReadTxn implements WriteTxn {
  private final WriteOverlay overlay = new WriteOverlay(this::checkActive);

  LedgerWriteTxn(LedgerEngine engine) {
    super(engine, Long.MAX_VALUE);
  }

  @Override
  public byte[] get(byte[] key) {
    Limits.checkKey(key);
    engine.enter();
    try {
      checkActive();
      return overlay.read(key, k -> engine.reader.read(k, snapshot));
    } finally {
      engine.exit();
    }
  }

  @Override
  Iterator<Map.Entry<byte[], Object>> entries(KeyRange range) {
    return WriteOverlay.merge(overlay.entries(range), super.entries(range), range);
  }

  @Override
  public void put(byte[] key, byte[] value) {
    overlay.put(key, value);
  }

  @Override
  public void delete(byte[] key) {
    overlay.delete(key);
  }

  @Override
  public void commit() {
    engine.enter();
    try {
      checkActive();
      CommittedState state;
      try {
        state = engine.append(overlay);
      } finally {
        end("committed");
      }
      // Also when nothing changed: what this transaction read may belong to a commit whose sync
      // is still running, and the caller must not act on it before it is durable.
      engine.writer.awaitDurable(state);
    } finally {
      engine.exit();
    }
  }

  @Override
  public void rollback() {
    end("rolled back");
  }

  @Override
  String describe() {
    return "write transaction";
  }
}
