package dev.strata.api.memory;

import dev.strata.api.Cursor;
import dev.strata.api.KeyRange;
import dev.strata.api.Limits;
import dev.strata.api.ReadTxn;
import dev.strata.api.TransactionClosedException;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/** A read transaction of the memory engine: a fixed commit number. */
class MemoryTxn implements ReadTxn {
  final MemoryEngine engine;
  final long snapshot;
  private final AtomicBoolean ended = new AtomicBoolean();
  private volatile String endedHow;

  MemoryTxn(MemoryEngine engine, long snapshot) {
    this.engine = engine;
    this.snapshot = snapshot;
  }

  @Override
  public byte[] get(byte[] key) {
    Limits.checkKey(key);
    checkActive();
    Version v = engine.data.get(key);
    Version visible = v == null ? null : v.visibleAt(snapshot);
    return visible == null || visible.value() == null ? null : visible.value().clone();
  }

  @Override
  public Cursor cursor(KeyRange range) {
    Objects.requireNonNull(range, "range");
    checkActive();
    return new MemoryCursor(this, entries(range));
  }

  /** Entries visible to this transaction inside {@code range}, in the range's direction. */
  Iterator<Map.Entry<byte[], byte[]>> entries(KeyRange range) {
    return engine.committed(snapshot, range);
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

  /** Ends the transaction once; later calls do nothing. Returns whether this call ended it. */
  boolean end(String how) {
    if (!ended.compareAndSet(false, true)) {
      return false;
    }
    endedHow = how;
    engine.ended(this);
    return true;
  }

  @Override
  public void close() {
    end("closed");
  }
}
