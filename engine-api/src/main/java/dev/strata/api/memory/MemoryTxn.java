package dev.strata.api.memory;

import dev.strata.api.Cursor;
import dev.strata.api.KeyRange;
import dev.strata.api.Limits;
import dev.strata.api.ReadTxn;
import dev.strata.api.spi.TxnEnd;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;

/** A read transaction of the memory engine: a fixed commit number. */
class MemoryTxn implements ReadTxn {
  final MemoryEngine engine;
  final long snapshot;
  private final TxnEnd end = new TxnEnd();

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
    end.check(describe(), engine.isClosed());
  }

  String describe() {
    return "read transaction";
  }

  /** Ends the transaction once; later calls do nothing. Returns whether this call ended it. */
  boolean end(String how) {
    if (!end.end(how)) {
      return false;
    }
    engine.ended(this);
    return true;
  }

  @Override
  public void close() {
    end("closed");
  }
}
