package dev.strata.api.spi;

import dev.strata.api.Cursor;
import dev.strata.api.TransactionClosedException;
import java.util.Iterator;
import java.util.Map;

/**
 * For engine implementers: a {@link Cursor} over an iterator of a transaction's entries (typically
 * {@link WriteOverlay#merge} of a write transaction's overlay with its snapshot). It checks the
 * cursor and its transaction on every call, hands out copies, and brackets every call with {@link
 * #enter()} and {@link #exit()} for engines whose close must wait for calls that read files.
 *
 * <p>Not thread-safe, as {@link Cursor} specifies.
 *
 * @param <V> the values' type: {@code byte[]}, or an engine's reference to a value read on demand
 */
public abstract class EntryCursor<V> implements Cursor {
  private final Iterator<? extends Map.Entry<byte[], ? extends V>> entries;
  private Map.Entry<byte[], ? extends V> current;
  private boolean closed;

  /**
   * Creates a cursor before the first of {@code entries}.
   *
   * @param entries the entries in the cursor's order; their keys are handed out as copies
   */
  protected EntryCursor(Iterator<? extends Map.Entry<byte[], ? extends V>> entries) {
    this.entries = entries;
  }

  /**
   * Throws if the cursor's transaction has ended or its engine closed.
   *
   * @throws TransactionClosedException if the transaction has ended
   */
  protected abstract void checkTransaction();

  /**
   * The bytes of a value, as a new array that belongs to the caller.
   *
   * @param value an entry's value
   * @return a new array
   */
  protected abstract byte[] valueOf(V value);

  /** Called before every cursor call; does nothing unless overridden. */
  protected void enter() {}

  /** Called after every cursor call, also when it throws; does nothing unless overridden. */
  protected void exit() {}

  @Override
  public final boolean next() {
    enter();
    try {
      checkOpen();
      current = entries.hasNext() ? entries.next() : null;
      return current != null;
    } finally {
      exit();
    }
  }

  @Override
  public final byte[] key() {
    enter();
    try {
      return currentEntry().getKey().clone();
    } finally {
      exit();
    }
  }

  @Override
  public final byte[] value() {
    enter();
    try {
      return valueOf(currentEntry().getValue());
    } finally {
      exit();
    }
  }

  private Map.Entry<byte[], ? extends V> currentEntry() {
    checkOpen();
    if (current == null) {
      throw new IllegalStateException(
          "cursor has no current entry: call next() first and check that it returned true");
    }
    return current;
  }

  private void checkOpen() {
    if (closed) {
      throw new TransactionClosedException("cursor is closed");
    }
    checkTransaction();
  }

  @Override
  public final void close() {
    closed = true;
  }
}
