package dev.strata.ledger;

import dev.strata.api.KeyRange;
import dev.strata.api.Limits;
import dev.strata.api.WriteTxn;
import java.util.Comparator;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * The ledger's write transaction: writes collect in an {@link Overlay} (last write per key wins),
 * sorted once at commit into one block of entries plus a commit marker. Reads see the overlay over
 * the latest appended state; a cursor sees the overlay as it was when the cursor opened.
 */
final class LedgerWriteTxn extends LedgerReadTxn implements WriteTxn {
  /** Marks a deleted key in the overlay; compared by identity. */
  static final byte[] TOMBSTONE = new byte[0];

  private final Overlay overlay = new Overlay();
  private long logicalBytes;

  LedgerWriteTxn(LedgerEngine engine) {
    super(engine, Long.MAX_VALUE);
  }

  @Override
  public byte[] get(byte[] key) {
    Limits.checkKey(key);
    engine.enter();
    try {
      checkActive();
      byte[] own = overlay.get(key);
      if (own != null) {
        return own == TOMBSTONE ? null : own.clone();
      }
      return engine.reader.read(key, snapshot);
    } finally {
      engine.exit();
    }
  }

  @Override
  Iterator<Map.Entry<byte[], Object>> entries(KeyRange range) {
    Comparator<byte[]> order =
        range.isReversed() ? (a, b) -> KeyRange.compare(b, a) : KeyRange::compare;
    return new OverlayIterator(overlay.entries(range), super.entries(range), order);
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
    engine.enter();
    try {
      checkActive();
      Visible state;
      try {
        state = engine.append(overlay, logicalBytes);
      } finally {
        end("committed");
      }
      if (state != null) {
        engine.writer.awaitDurable(state);
      }
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

  /** Merges the overlay (which wins on equal keys, and hides deleted keys) with the base. */
  private static final class OverlayIterator implements Iterator<Map.Entry<byte[], Object>> {
    private final Iterator<Map.Entry<byte[], byte[]>> own;
    private final Iterator<Map.Entry<byte[], Object>> base;
    private final Comparator<byte[]> order;
    private Map.Entry<byte[], byte[]> ownHead;
    private Map.Entry<byte[], Object> baseHead;
    private Map.Entry<byte[], Object> next;

    OverlayIterator(
        Iterator<Map.Entry<byte[], byte[]>> own,
        Iterator<Map.Entry<byte[], Object>> base,
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
        if (c <= 0) {
          Map.Entry<byte[], byte[]> taken = ownHead;
          ownHead = null;
          if (c == 0) {
            baseHead = null;
          }
          if (taken.getValue() != TOMBSTONE) {
            next = Map.entry(taken.getKey(), taken.getValue());
          }
        } else {
          next = baseHead;
          baseHead = null;
        }
      }
      return true;
    }

    @Override
    public Map.Entry<byte[], Object> next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      Map.Entry<byte[], Object> e = next;
      next = null;
      return e;
    }
  }
}
