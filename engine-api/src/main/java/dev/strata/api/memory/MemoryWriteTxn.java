package dev.strata.api.memory;

import dev.strata.api.KeyRange;
import dev.strata.api.Limits;
import dev.strata.api.WriteTxn;
import dev.strata.api.spi.WriteOverlay;
import java.util.Iterator;
import java.util.Map;

/**
 * The memory engine's write transaction: uncommitted writes live in a {@link WriteOverlay} over the
 * snapshot the transaction began on; a cursor sees the overlay as it was when the cursor opened.
 */
final class MemoryWriteTxn extends MemoryTxn implements WriteTxn {
  private final WriteOverlay overlay = new WriteOverlay(this::checkActive);

  MemoryWriteTxn(MemoryEngine engine, long snapshot) {
    super(engine, snapshot);
  }

  @Override
  public byte[] get(byte[] key) {
    Limits.checkKey(key);
    checkActive();
    return overlay.read(key, super::get);
  }

  @Override
  Iterator<Map.Entry<byte[], byte[]>> entries(KeyRange range) {
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
    checkActive();
    try {
      engine.commit(overlay);
    } finally {
      end("committed");
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
