package dev.strata.ledger;

import dev.strata.api.Cursor;
import dev.strata.api.TransactionClosedException;
import dev.strata.ledger.index.IndexEntry;
import dev.strata.ledger.read.LedgerReader;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;

/**
 * A cursor over what a ledger transaction sees. It takes entries from the iterator in batches (16
 * at first, doubling up to 256) and reads values only when one is asked for: then it reads the
 * values of the rest of the batch too (in log order when they are read with {@code pread}), under
 * one entry into the engine. A scan's values lie scattered across the log, and per value a read
 * costs a memory copy from a mapped segment (or a system call) plus the engine's close lock and
 * interrupt shield; a batch pays the latter once. Scanning keys alone costs no value I/O. A failure
 * reading a value other than the one asked for is not reported until that value is asked for; a
 * failure of the iterator past the current entry waits for {@link #next()} to reach it.
 *
 * <p>Not thread-safe, as {@link Cursor} specifies. Checks its transaction on every call; every call
 * that reads files holds off the engine's close.
 */
final class LedgerCursor implements Cursor {
  private static final int FIRST_BATCH = 16;
  private static final int MAX_BATCH = 256;

  private final LedgerReadTxn txn;
  private final Iterator<Map.Entry<byte[], Object>> entries;
  private byte[][] keys = new byte[FIRST_BATCH][];
  // An overlay's value is a byte[]; a committed one an index entry read on demand.
  private Object[] values = new Object[FIRST_BATCH];
  // Values read ahead from the log, handed out once each.
  private byte[][] loaded = new byte[FIRST_BATCH][];
  private int count;
  private int current = -1;
  private boolean hasCurrent;
  private boolean exhausted;
  private RuntimeException deferred;
  private boolean closed;

  LedgerCursor(LedgerReadTxn txn, Iterator<Map.Entry<byte[], Object>> entries) {
    this.txn = txn;
    this.entries = entries;
  }

  @Override
  public boolean next() {
    checkOpen();
    if (current + 1 < count) {
      current++;
      hasCurrent = true;
      return true;
    }
    hasCurrent = false;
    if (deferred != null) {
      RuntimeException e = deferred;
      deferred = null;
      exhausted = true;
      throw e;
    }
    if (exhausted) {
      return false;
    }
    txn.engine.enter();
    try {
      checkOpen();
      refill();
    } finally {
      txn.engine.exit();
    }
    if (count == 0) {
      return false;
    }
    current = 0;
    hasCurrent = true;
    return true;
  }

  /** Takes the next batch from the iterator; only its first element may throw right away. */
  private void refill() {
    int batch = count == 0 ? keys.length : Math.min(MAX_BATCH, keys.length * 2);
    if (batch != keys.length) {
      keys = new byte[batch][];
      values = new Object[batch];
      loaded = new byte[batch][];
    } else {
      Arrays.fill(loaded, null);
    }
    count = 0;
    current = -1;
    if (!entries.hasNext()) {
      exhausted = true;
      return;
    }
    add(entries.next());
    while (count < batch) {
      try {
        if (!entries.hasNext()) {
          exhausted = true;
          return;
        }
        add(entries.next());
      } catch (RuntimeException e) {
        deferred = e;
        return;
      }
    }
  }

  private void add(Map.Entry<byte[], Object> e) {
    keys[count] = e.getKey();
    values[count] = e.getValue();
    count++;
  }

  @Override
  public byte[] key() {
    checkCurrent();
    return keys[current].clone();
  }

  @Override
  public byte[] value() {
    checkCurrent();
    if (values[current] instanceof byte[] bytes) {
      return bytes.clone();
    }
    byte[] v = loaded[current];
    if (v == null) {
      txn.engine.enter();
      try {
        checkOpen();
        v = readAhead();
      } finally {
        txn.engine.exit();
      }
    }
    loaded[current] = null;
    return v;
  }

  /**
   * Reads the current value, then the values of the rest of the batch not read yet: in log order
   * when reads are {@code pread}s, in cursor order when they are copies from mapped segments.
   */
  private byte[] readAhead() {
    LedgerReader reader = txn.engine.reader;
    byte[] v = reader.value((IndexEntry) values[current]);
    // Log order: position (segment << 40 | offset, far below 2^55 in any real store) above the
    // slot in the batch, so one primitive sort orders them; larger positions keep cursor order.
    long[] order = new long[count - current - 1];
    int n = 0;
    boolean sortable = !reader.readsMapped();
    for (int i = current + 1; i < count; i++) {
      if (loaded[i] == null && values[i] instanceof IndexEntry e) {
        sortable &= e.position < 1L << 55;
        order[n++] = e.position << 8 | i;
      }
    }
    if (sortable) {
      Arrays.sort(order, 0, n);
    }
    for (int k = 0; k < n; k++) {
      int i = (int) (order[k] & 0xFF);
      try {
        loaded[i] = reader.value((IndexEntry) values[i]);
      } catch (RuntimeException e) {
        // Reported when that value is asked for, by a read of its own.
        loaded[i] = null;
      }
    }
    return v;
  }

  private void checkCurrent() {
    checkOpen();
    if (!hasCurrent) {
      throw new IllegalStateException(
          "cursor has no current entry: call next() first and check that it returned true");
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new TransactionClosedException("cursor is closed");
    }
    txn.checkActive();
  }

  @Override
  public void close() {
    closed = true;
  }
}
