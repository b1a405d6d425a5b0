package dev.strata.bench.baseline;

import dev.strata.api.Cursor;
import dev.strata.api.KeyRange;
import dev.strata.api.TransactionClosedException;
import dev.strata.api.spi.CallGuard;

/**
 * The part of a baseline cursor that does not depend on the native store: the range check (done
 * here with {@link KeyRange#compare}, since neither native default is Strata's unsigned order), the
 * positioned/exhausted state, the copies handed to callers, and entering the engine's {@link
 * CallGuard} so that closing the engine never frees a native cursor under a running call.
 * Subclasses only seek and step. Not thread-safe.
 */
abstract class BaselineCursor implements Cursor {
  /** Enters the guard and checks that the transaction is live; the caller exits the guard. */
  private final Runnable enterActive;

  private final CallGuard guard;
  final KeyRange range;
  private boolean started;
  private boolean positioned;
  private byte[] key;
  private byte[] value;
  private volatile boolean closed;

  BaselineCursor(Runnable enterActive, CallGuard guard, KeyRange range) {
    this.enterActive = enterActive;
    this.guard = guard;
    this.range = range;
  }

  /** Moves to the first entry of the range in its direction; returns whether there is one. */
  abstract boolean seekStart();

  /** Moves one entry on in the range's direction; returns whether there is one. */
  abstract boolean step();

  /** Returns the current native entry's key; the array must stay valid after the txn ends. */
  abstract byte[] currentKey();

  /** Returns the current native entry's value; the array must stay valid after the txn ends. */
  abstract byte[] currentValue();

  /** Frees the native cursor or iterator. */
  abstract void freeNative();

  @Override
  public boolean next() {
    enter();
    try {
      if (range.isEmpty() || (started && !positioned)) {
        return positioned = false;
      }
      boolean found;
      if (!started) {
        started = true;
        found = seekStart();
      } else {
        found = step();
      }
      key = found ? currentKey() : null;
      positioned = found && range.contains(key);
      value = positioned ? currentValue() : null;
      return positioned;
    } finally {
      guard.exit();
    }
  }

  @Override
  public byte[] key() {
    checkPositioned();
    return key.clone();
  }

  @Override
  public byte[] value() {
    checkPositioned();
    return value.clone();
  }

  private void checkPositioned() {
    enter();
    guard.exit();
    if (!positioned) {
      throw new IllegalStateException(
          "cursor has no current entry: call next() first and check that it returned true");
    }
  }

  private void enter() {
    if (closed) {
      throw new TransactionClosedException("cursor is closed");
    }
    enterActive.run();
    if (closed) {
      guard.exit();
      throw new TransactionClosedException("cursor is closed");
    }
  }

  @Override
  public void close() {
    closed = true;
  }

  /** Frees the native resource; called by the transaction as it ends. */
  final void closeNative() {
    closed = true;
    freeNative();
  }
}
