package dev.strata.api.memory;

import dev.strata.api.KeyRange;
import dev.strata.api.Limits;
import dev.strata.api.WriteTxn;
import java.util.Comparator;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The memory engine's write transaction: uncommitted writes live in an overlay over the snapshot
 * the transaction began on. The overlay is a concurrent map so that a cursor opened earlier keeps
 * iterating (weakly consistent) while the transaction writes.
 */
final class MemoryWriteTxn extends MemoryTxn implements WriteTxn {
  /** Marks a deleted key in the overlay; compared by identity. */
  static final byte[] TOMBSTONE = new byte[0];

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
      return own == TOMBSTONE ? null : own.clone();
    }
    return super.get(key);
  }

  @Override
  Iterator<Map.Entry<byte[], byte[]>> entries(KeyRange range) {
    Comparator<byte[]> order =
        range.isReversed() ? (a, b) -> KeyRange.compare(b, a) : KeyRange::compare;
    return new OverlayIterator(
        MemoryCursor.view(overlay, range).entrySet().iterator(), super.entries(range), order);
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
    overlay.put(key.clone(), TOMBSTONE);
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

  /** Merges the overlay (which wins on equal keys, and hides deleted keys) with the snapshot. */
  private static final class OverlayIterator implements Iterator<Map.Entry<byte[], byte[]>> {
    private final Iterator<Map.Entry<byte[], byte[]>> own;
    private final Iterator<Map.Entry<byte[], byte[]>> base;
    private final Comparator<byte[]> order;
    private Map.Entry<byte[], byte[]> ownHead;
    private Map.Entry<byte[], byte[]> baseHead;
    private Map.Entry<byte[], byte[]> next;

    OverlayIterator(
        Iterator<Map.Entry<byte[], byte[]>> own,
        Iterator<Map.Entry<byte[], byte[]>> base,
        Comparator<byte[]> order) {
      this.own = own;
      this.base = base;
      this.order = order;
    }

    @Override
    public boolean hasNext() {
      while (next == null) {
        if (ownHead == null && own.hasNext()) {
          ownHead = own.next();
        }
        if (baseHead == null && base.hasNext()) {
          baseHead = base.next();
        }
        if (ownHead == null && baseHead == null) {
          return false;
        }
        int c =
            ownHead == null
                ? 1
                : baseHead == null ? -1 : order.compare(ownHead.getKey(), baseHead.getKey());
        Map.Entry<byte[], byte[]> taken;
        if (c <= 0) {
          taken = ownHead;
          ownHead = null;
          if (c == 0) {
            baseHead = null;
          }
        } else {
          taken = baseHead;
          baseHead = null;
        }
        if (taken.getValue() != TOMBSTONE) {
          next = taken;
        }
      }
      return true;
    }

    @Override
    public Map.Entry<byte[], byte[]> next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      Map.Entry<byte[], byte[]> e = next;
      next = null;
      return e;
    }
  }
}
