package dev.strata.api.memory;

import dev.strata.api.KeyRange;
import dev.strata.api.Limits;
import dev.strata.api.WriteTxn;
import dev.strata.api.spi.WriteOverlay;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The memory engine's write transaction: uncommitted writes live in an overlay over the snapshot
 * the transaction began on. The overlay is a concurrent map so that a cursor opened earlier keeps
 * iterating (weakly consistent) while the transaction writes.
 */
final class MemoryWriteTxn extends MemoryTxn implements WriteTxn {
  private final ConcurrentSkipListMap<byte[], byte[]> overlay =
      new ConcurrentSkipListMap<>(KeyRange::compare);
  private long logicalBytes;

  MemoryWriteTxn(MemoryEngine engine, long snapshot) {
    super(engine, snapshot);
  }

  @Override
  public byte[] get(byte[] key) {
    Limits.checkKey(key);
    checkActive();
    byte[] own = overlay.get(key);
    if (own != null) {
      return own == WriteOverlay.TOMBSTONE ? null : own.clone();
    }
    return super.get(key);
  }

  @Override
  Iterator<Map.Entry<byte[], byte[]>> entries(KeyRange range) {
    return WriteOverlay.merge(
        MemoryCursor.view(overlay, range).entrySet().iterator(), super.entries(range), range);
  }

  @Override
  public void put(byte[] key, byte[] value) {
    Limits.checkKey(key);
    Limits.checkValue(value);
    checkActive();
    overlay.put(key.clone(), value.clone());
    logicalBytes += key.length + value.length;
  }

  @Override
  public void delete(byte[] key) {
    Limits.checkKey(key);
    checkActive();
    overlay.put(key.clone(), WriteOverlay.TOMBSTONE);
    logicalBytes += key.length;
  }

  @Override
  public void commit() {
    checkActive();
    try {
      engine.commit(overlay, logicalBytes);
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
