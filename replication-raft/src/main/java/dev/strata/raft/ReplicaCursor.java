package dev.strata.raft;

import dev.strata.api.Cursor;
import dev.strata.api.KeyRange;
import dev.strata.api.TransactionClosedException;
import dev.strata.api.spi.WriteOverlay;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * A cursor over a replica's local store that never shows the reserved {@link AppliedMark} key,
 * optionally merged with a write transaction's own uncommitted writes. Belongs to one thread at a
 * time, like every cursor.
 */
final class ReplicaCursor implements Cursor {
  private final Cursor local;
  private final Iterator<Map.Entry<byte[], byte[]>> merged;
  private final Runnable checkOpen;
  private Map.Entry<byte[], byte[]> current;
  private boolean closed;

  /**
   * @param local the local store's cursor; closed with this one
   * @param own the transaction's writes inside the range in its direction, or null for a read txn
   * @param range the range both cover
   * @param checkOpen throws {@link TransactionClosedException} once the owning txn ended
   */
  ReplicaCursor(
      Cursor local,
      Iterator<? extends Map.Entry<byte[], byte[]>> own,
      KeyRange range,
      Runnable checkOpen) {
    this.local = local;
    this.checkOpen = checkOpen;
    Iterator<Map.Entry<byte[], byte[]>> base = new LocalEntries(local);
    this.merged = own == null ? base : WriteOverlay.merge(own, base, range);
  }

  @Override
  public boolean next() {
    check();
    if (merged.hasNext()) {
      current = merged.next();
      return true;
    }
    current = null;
    return false;
  }

  @Override
  public byte[] key() {
    check();
    if (current == null) {
      throw new IllegalStateException("the cursor is not on an entry; call next() first");
    }
    return current.getKey().clone();
  }

  @Override
  public byte[] value() {
    check();
    if (current == null) {
      throw new IllegalStateException("the cursor is not on an entry; call next() first");
    }
    return current.getValue().clone();
  }

  private void check() {
    if (closed) {
      throw new TransactionClosedException("cursor is closed");
    }
    checkOpen.run();
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      local.close();
    }
  }

  /** The local cursor's entries without the reserved key. */
  private static final class LocalEntries implements Iterator<Map.Entry<byte[], byte[]>> {
    private final Cursor local;
    private Map.Entry<byte[], byte[]> next;

    LocalEntries(Cursor local) {
      this.local = local;
    }

    @Override
    public boolean hasNext() {
      while (next == null) {
        if (!local.next()) {
          return false;
        }
        byte[] key = local.key();
        if (!AppliedMark.isReserved(key)) {
          next = Map.entry(key, local.value());
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
