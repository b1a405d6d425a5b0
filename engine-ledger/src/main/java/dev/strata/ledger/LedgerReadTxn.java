package dev.strata.ledger;

import dev.strata.api.Cursor;
import dev.strata.api.KeyRange;
import dev.strata.api.Limits;
import dev.strata.api.ReadTxn;
import dev.strata.api.spi.TxnEnd;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;

/**
 * A read transaction: a fixed ledger size. Keys changed after the snapshot are read through their
 * entries' {@code prevSeq} links, so a snapshot costs nothing to hold and pins nothing.
 */
class LedgerReadTxn implements ReadTxn {
  final LedgerEngine engine;

  /** Entries with a sequence number below this are visible. */
  final long snapshot;

  private final TxnEnd end = new TxnEnd();

  LedgerReadTxn(LedgerEngine engine, long snapshot) {
    this.engine = engine;
    this.snapshot = snapshot;
  }

  @Override
  public byte[] get(byte[] key) {
    Limits.checkKey(key);
    engine.enter();
    try {
      checkActive();
      return engine.reader.read(key, snapshot);
    } finally {
      engine.exit();
    }
  }

  @Override
  public Cursor cursor(KeyRange range) {
    Objects.requireNonNull(range, "range");
    engine.enter();
    try {
      checkActive();
      return new LedgerCursor(this, entries(range));
    } finally {
      engine.exit();
    }
  }

  /**
   * CommittedState entries in the range, in its direction; values are {@code byte[]} or index
   * entries.
   */
  Iterator<Map.Entry<byte[], Object>> entries(KeyRange range) {
    return engine.reader.committed(range, snapshot);
  }

  void checkActive() {
    end.check(describe(), engine.isClosed());
  }

  String describe() {
    return "read transaction";
  }

  /** Ends the transaction once; returns whether this call ended it. */
  boolean end(String how) {
    if (!end.end(how)) {
      return false;
    }
    engine.ended(this);
    return true;
  }

  boolean isEnded() {
    return end.isEnded();
  }

  @Override
  public void close() {
    end("closed");
  }
}
