package dev.strata.bench.baseline;

import dev.strata.api.KeyRange;
import dev.strata.api.StorageIOException;
import dev.strata.api.spi.CallGuard;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.Snapshot;
import org.rocksdb.WriteBatch;

/**
 * A transaction of the {@code rocksdb} baseline: a snapshot for reads, a {@link WriteBatch} for
 * writes. Reads of a write transaction go to the latest committed state and do not see the batch
 * (the baseline's documented shortcut). {@link BaselineTxn} adds the Strata checks and the engine's
 * {@link CallGuard}. Not thread-safe, except that the engine may end it from its closing thread.
 */
final class RocksDbTxn extends BaselineTxn {
  private final RocksDbEngine engine;
  private final RocksDB db;
  private final Snapshot snapshot;
  private final ReadOptions readOptions;
  private final WriteBatch batch;

  RocksDbTxn(RocksDbEngine engine, CallGuard guard, RocksDB db, Snapshot snapshot, boolean write) {
    super(guard, write);
    this.engine = engine;
    this.db = db;
    this.snapshot = snapshot;
    this.readOptions = new ReadOptions();
    if (snapshot != null) {
      readOptions.setSnapshot(snapshot);
    }
    this.batch = write ? new WriteBatch() : null;
  }

  @Override
  byte[] nativeGet(byte[] key) {
    try {
      return db.get(readOptions, key);
    } catch (RocksDBException e) {
      throw new StorageIOException("rocksdb get failed: " + e.getMessage(), e);
    }
  }

  @Override
  BaselineCursor nativeCursor(KeyRange range) {
    return new RocksDbCursor(this, guard(), db.newIterator(readOptions), range);
  }

  @Override
  void nativePut(byte[] key, byte[] value) {
    try {
      batch.put(key, value);
    } catch (RocksDBException e) {
      throw new StorageIOException("rocksdb batch put failed: " + e.getMessage(), e);
    }
  }

  @Override
  void nativeDelete(byte[] key) {
    try {
      batch.delete(key);
    } catch (RocksDBException e) {
      throw new StorageIOException("rocksdb batch delete failed: " + e.getMessage(), e);
    }
  }

  @Override
  void nativeCommit() {
    if (batch.count() > 0) {
      engine.write(batch, logicalBytes());
    }
  }

  @Override
  void release(boolean committed) {
    readOptions.close();
    if (snapshot != null) {
      engine.releaseSnapshot(snapshot);
    }
    if (batch != null) {
      batch.close();
    }
    engine.ended(this);
  }
}
