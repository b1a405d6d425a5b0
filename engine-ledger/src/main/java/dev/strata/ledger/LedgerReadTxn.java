package dev.strata.ledger;

import dev.strata.api.Cursor;
import dev.strata.api.KeyRange;
import dev.strata.api.Limits;
import dev.strata.api.ReadTxn;
import dev.strata.api.TransactionClosedException;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A read transaction: a fixed ledger size. Keys changed after the snapshot are read through their
 * entries' {@code prevSeq} links, so a snapshot costs nothing to hold and pins nothing.
 */
class LedgerReadTxn implements ReadTxn {
  final LedgerEngine engine;

  /** Entries with a sequence number below this are visible. */
  final long snapshot;

  private final AtomicBoolean ended = new AtomicBoolean();
  private volatile String endedHow;

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

  /** Visible entries in the range, in its direction; values are {@code byte[]} or index entries. */
  Iterator<Map.Entry<byte[], Object>> entries(KeyRange range) {
    return engine.reader.committed(range, snapshot);
  }

  void checkActive() {
    if (ended.get()) {
      throw new TransactionClosedException(
          describe() + " is " + (endedHow == null ? "closed" : endedHow));
    }
    if (engine.isClosed()) {
      throw new TransactionClosedException(describe() + " is closed: its engine was closed");
    }
  }

  String describe() {
    return "read transaction";
  }

  /** Ends the transaction once; returns whether this call ended it. */
  boolean end(String how) {
    if (!ended.compareAndSet(false, true)) {
      return false;
    }
    endedHow = how;
    engine.ended(this);
    return true;
  }

  boolean isEnded() {
    return ended.get();
  }

  @Override
  public void close() {
    end("closed");
  }
}
