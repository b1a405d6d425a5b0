package dev.strata.bench.baseline;

import dev.strata.api.Cursor;
import dev.strata.api.KeyRange;
import dev.strata.api.Limits;
import dev.strata.api.TransactionClosedException;
import dev.strata.api.WriteTxn;
import dev.strata.api.spi.CallGuard;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The part of a baseline transaction that does not depend on the native store: argument checks,
 * entering the engine's {@link CallGuard} around every native call (so closing the engine never
 * frees native memory under a running call), the ended/ended-how state, the logical byte count,
 * closing cursors, and ending exactly once whether by commit, rollback, close or the closing
 * engine. Subclasses only make the native calls. Not thread-safe, except that the engine may end a
 * transaction from its closing thread.
 */
abstract class BaselineTxn implements WriteTxn {
  private final CallGuard guard;
  private final boolean write;
  private final List<BaselineCursor> cursors = new ArrayList<>(1);
  private final AtomicBoolean ended = new AtomicBoolean();
  private long logicalBytes;
  private boolean wrote;
  private volatile String endedHow;

  BaselineTxn(CallGuard guard, boolean write) {
    this.guard = guard;
    this.write = write;
  }

  /** Reads one key; runs inside the guard. */
  abstract byte[] nativeGet(byte[] key);

  /** Opens a cursor over {@code range}; runs inside the guard. */
  abstract BaselineCursor nativeCursor(KeyRange range);

  /** Writes one key; runs inside the guard. */
  abstract void nativePut(byte[] key, byte[] value);

  /** Deletes one key; runs inside the guard. */
  abstract void nativeDelete(byte[] key);

  /**
   * Commits; runs inside the guard after the cursors were closed. Throws the typed exception of a
   * failed commit; the transaction is then ended as rolled back.
   */
  abstract void nativeCommit();

  /** Frees the native transaction and tells the engine; called exactly once. */
  abstract void release(boolean committed);

  /** Checks a key; subclasses with a tighter native limit add theirs. */
  void checkKey(byte[] key) {
    Limits.checkKey(key);
  }

  /** The engine's guard, for the cursors this transaction opens. */
  final CallGuard guard() {
    return guard;
  }

  final boolean isWrite() {
    return write;
  }

  /** Logical bytes of the puts and deletes so far. */
  final long logicalBytes() {
    return logicalBytes;
  }

  /** Whether the transaction wrote anything. */
  final boolean wrote() {
    return wrote;
  }

  @Override
  public final byte[] get(byte[] key) {
    checkKey(key);
    enterActive();
    try {
      return nativeGet(key);
    } finally {
      guard.exit();
    }
  }

  @Override
  public final Cursor cursor(KeyRange range) {
    Objects.requireNonNull(range, "range");
    enterActive();
    try {
      BaselineCursor cursor = nativeCursor(range);
      cursors.add(cursor);
      return cursor;
    } finally {
      guard.exit();
    }
  }

  @Override
  public final void put(byte[] key, byte[] value) {
    checkKey(key);
    Limits.checkValue(value);
    enterWritable();
    try {
      nativePut(key, value);
    } finally {
      guard.exit();
    }
    wrote = true;
    logicalBytes += key.length + value.length;
  }

  @Override
  public final void delete(byte[] key) {
    checkKey(key);
    enterWritable();
    try {
      nativeDelete(key);
    } finally {
      guard.exit();
    }
    wrote = true;
    logicalBytes += key.length;
  }

  @Override
  public final void commit() {
    enterWritable();
    try {
      if (!ended.compareAndSet(false, true)) {
        throw new TransactionClosedException("write transaction is " + endedHow);
      }
      closeCursors();
      String how = "rolled back: its commit failed";
      boolean committed = false;
      try {
        nativeCommit();
        how = "committed";
        committed = true;
      } finally {
        endedHow = how;
        release(committed);
      }
    } finally {
      guard.exit();
    }
  }

  @Override
  public final void rollback() {
    close();
  }

  @Override
  public final void close() {
    if (!guard.tryEnter()) {
      // The engine is closing and ends every open transaction itself.
      return;
    }
    try {
      endNow();
    } finally {
      guard.exit();
    }
  }

  /** Ends the transaction without the guard; the engine calls this once no call is inside. */
  final void endNow() {
    if (ended.compareAndSet(false, true)) {
      closeCursors();
      endedHow = write ? "rolled back" : "closed";
      release(false);
    }
  }

  private void closeCursors() {
    for (BaselineCursor c : cursors) {
      c.closeNative();
    }
    cursors.clear();
  }

  private void enterWritable() {
    if (!write) {
      throw new UnsupportedOperationException("read transaction cannot write");
    }
    enterActive();
  }

  /** Enters the guard and checks the transaction is live; the caller must exit the guard. */
  final void enterActive() {
    if (!guard.tryEnter()) {
      throw new TransactionClosedException("transaction is closed: its engine was closed");
    }
    if (ended.get()) {
      guard.exit();
      String how = endedHow;
      throw new TransactionClosedException(
          (write ? "write" : "read") + " transaction is " + (how == null ? "closed" : how));
    }
  }
}
