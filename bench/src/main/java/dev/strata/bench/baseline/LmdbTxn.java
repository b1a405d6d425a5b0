package dev.strata.bench.baseline;

import dev.strata.api.Cursor;
import dev.strata.api.KeyRange;
import dev.strata.api.Limits;
import dev.strata.api.StorageFullException;
import dev.strata.api.StorageIOException;
import dev.strata.api.TransactionClosedException;
import dev.strata.api.WriteTxn;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import org.lmdbjava.Env;
import org.lmdbjava.LmdbException;
import org.lmdbjava.Txn;

/**
 * A read or write transaction of the {@code lmdb} baseline, wrapping one LMDB transaction. LMDB
 * gives read transactions a snapshot and lets write transactions read their own writes, so this
 * class only adds the Strata checks and the engine's {@link CallGuard}. Not thread-safe, except
 * that the engine may end it from its closing thread.
 */
final class LmdbTxn implements WriteTxn {
  private final LmdbEngine engine;
  private final CallGuard guard;
  private final Txn<byte[]> txn;
  private final boolean write;
  private final List<LmdbCursor> cursors = new ArrayList<>(1);
  private final AtomicBoolean ended = new AtomicBoolean();
  private long logicalBytes;
  private boolean dirty;
  private volatile String endedHow;

  LmdbTxn(LmdbEngine engine, CallGuard guard, Txn<byte[]> txn, boolean write) {
    this.engine = engine;
    this.guard = guard;
    this.txn = txn;
    this.write = write;
  }

  boolean isWrite() {
    return write;
  }

  @Override
  public byte[] get(byte[] key) {
    checkKey(key);
    enterActive();
    try {
      return engine.dbi().get(txn, key);
    } finally {
      guard.exit();
    }
  }

  @Override
  public Cursor cursor(KeyRange range) {
    Objects.requireNonNull(range, "range");
    enterActive();
    try {
      LmdbCursor cursor = new LmdbCursor(this, guard, engine.dbi().openCursor(txn), range);
      cursors.add(cursor);
      return cursor;
    } finally {
      guard.exit();
    }
  }

  @Override
  public void put(byte[] key, byte[] value) {
    checkKey(key);
    Limits.checkValue(value);
    enterWritable();
    try {
      engine.dbi().put(txn, key, value);
    } catch (Env.MapFullException e) {
      throw new StorageFullException("lmdb map is full; raise " + LmdbEngine.MAP_SIZE, e);
    } finally {
      guard.exit();
    }
    dirty = true;
    logicalBytes += key.length + value.length;
  }

  @Override
  public void delete(byte[] key) {
    checkKey(key);
    enterWritable();
    try {
      engine.dbi().delete(txn, key);
    } finally {
      guard.exit();
    }
    dirty = true;
    logicalBytes += key.length;
  }

  @Override
  public void commit() {
    enterWritable();
    try {
      if (!ended.compareAndSet(false, true)) {
        throw new TransactionClosedException("write transaction is " + endedHow);
      }
      closeCursors();
      try {
        txn.commit();
      } catch (Env.MapFullException e) {
        finish("rolled back", false);
        throw new StorageFullException("lmdb map is full; raise " + LmdbEngine.MAP_SIZE, e);
      } catch (LmdbException e) {
        finish("rolled back", false);
        throw new StorageIOException("lmdb commit failed: " + e.getMessage(), e);
      }
      finish("committed", dirty);
    } finally {
      guard.exit();
    }
  }

  @Override
  public void rollback() {
    close();
  }

  @Override
  public void close() {
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
  void endNow() {
    if (ended.compareAndSet(false, true)) {
      closeCursors();
      finish(write ? "rolled back" : "closed", false);
    }
  }

  private void finish(String how, boolean committedWrites) {
    endedHow = how;
    txn.close();
    engine.ended(this, committedWrites, logicalBytes);
  }

  private void closeCursors() {
    for (LmdbCursor c : cursors) {
      c.closeNative();
    }
    cursors.clear();
  }

  private void checkKey(byte[] key) {
    Limits.checkKey(key);
    if (key.length > engine.maxKeySize()) {
      throw new IllegalArgumentException(
          "key is "
              + key.length
              + " bytes; the lmdb baseline's maximum key size is "
              + engine.maxKeySize());
    }
  }

  private void enterWritable() {
    if (!write) {
      throw new UnsupportedOperationException("read transaction cannot write");
    }
    enterActive();
  }

  /** Enters the guard and checks the transaction is live; the caller must exit the guard. */
  void enterActive() {
    guard.enter();
    if (ended.get()) {
      guard.exit();
      String how = endedHow;
      throw new TransactionClosedException(
          (write ? "write" : "read") + " transaction is " + (how == null ? "closed" : how));
    }
  }
}
