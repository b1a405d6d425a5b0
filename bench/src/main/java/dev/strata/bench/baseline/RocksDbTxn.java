package dev.strata.bench.baseline;

import dev.strata.api.Cursor;
import dev.strata.api.KeyRange;
import dev.strata.api.Limits;
import dev.strata.api.StorageIOException;
import dev.strata.api.TransactionClosedException;
import dev.strata.api.WriteTxn;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.Snapshot;
import org.rocksdb.WriteBatch;

/**
 * A transaction of the {@code rocksdb} baseline: a snapshot for reads, a {@link WriteBatch} for
 * writes. Reads of a write transaction go to the latest committed state and do not see the batch
 * (the baseline's documented shortcut). Not thread-safe, except that the engine may end it from its
 * closing thread.
 */
final class RocksDbTxn implements WriteTxn {
  private final RocksDbEngine engine;
  private final CallGuard guard;
  private final RocksDB db;
  private final Snapshot snapshot;
  private final ReadOptions readOptions;
  private final WriteBatch batch;
  private final List<RocksDbCursor> cursors = new ArrayList<>(1);
  private final AtomicBoolean ended = new AtomicBoolean();
  private long logicalBytes;
  private volatile String endedHow;

  RocksDbTxn(RocksDbEngine engine, CallGuard guard, RocksDB db, Snapshot snapshot, boolean write) {
    this.engine = engine;
    this.guard = guard;
    this.db = db;
    this.snapshot = snapshot;
    this.readOptions = new ReadOptions();
    if (snapshot != null) {
      readOptions.setSnapshot(snapshot);
    }
    this.batch = write ? new WriteBatch() : null;
  }

  boolean isWrite() {
    return batch != null;
  }

  @Override
  public byte[] get(byte[] key) {
    Limits.checkKey(key);
    enterActive();
    try {
      return db.get(readOptions, key);
    } catch (RocksDBException e) {
      throw new StorageIOException("rocksdb get failed: " + e.getMessage(), e);
    } finally {
      guard.exit();
    }
  }

  @Override
  public Cursor cursor(KeyRange range) {
    Objects.requireNonNull(range, "range");
    enterActive();
    try {
      RocksDbCursor cursor = new RocksDbCursor(this, guard, db.newIterator(readOptions), range);
      cursors.add(cursor);
      return cursor;
    } finally {
      guard.exit();
    }
  }

  @Override
  public void put(byte[] key, byte[] value) {
    Limits.checkKey(key);
    Limits.checkValue(value);
    enterWritable();
    try {
      batch.put(key, value);
    } catch (RocksDBException e) {
      throw new StorageIOException("rocksdb batch put failed: " + e.getMessage(), e);
    } finally {
      guard.exit();
    }
    logicalBytes += key.length + value.length;
  }

  @Override
  public void delete(byte[] key) {
    Limits.checkKey(key);
    enterWritable();
    try {
      batch.delete(key);
    } catch (RocksDBException e) {
      throw new StorageIOException("rocksdb batch delete failed: " + e.getMessage(), e);
    } finally {
      guard.exit();
    }
    logicalBytes += key.length;
  }

  @Override
  public void commit() {
    enterWritable();
    try {
      if (!ended.compareAndSet(false, true)) {
        throw new TransactionClosedException("write transaction is " + endedHow);
      }
      try {
        if (batch.count() > 0) {
          engine.write(batch, logicalBytes);
        }
      } finally {
        finish("committed");
      }
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
      finish(isWrite() ? "rolled back" : "closed");
    }
  }

  private void finish(String how) {
    endedHow = how;
    for (RocksDbCursor c : cursors) {
      c.closeNative();
    }
    cursors.clear();
    readOptions.close();
    if (snapshot != null) {
      engine.releaseSnapshot(snapshot);
    }
    if (batch != null) {
      batch.close();
    }
    engine.ended(this);
  }

  private void enterWritable() {
    if (!isWrite()) {
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
          (isWrite() ? "write" : "read") + " transaction is " + (how == null ? "closed" : how));
    }
  }
}
