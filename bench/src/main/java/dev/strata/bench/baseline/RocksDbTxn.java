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
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.Snapshot;
import org.rocksdb.WriteBatch;

/**
 * A transaction of the {@code rocksdb} baseline: a snapshot for reads, a {@link WriteBatch} for
 * writes. Reads of a write transaction go to the latest committed state and do not see the
 * batch (the baseline's documented shortcut). Not thread-safe.
 */
final class RocksDbTxn implements WriteTxn {
  private final RocksDbEngine engine;
  private final RocksDB db;
  private final Snapshot snapshot;
  private final ReadOptions readOptions;
  private final WriteBatch batch;
  private final List<RocksDbCursor> cursors = new ArrayList<>(1);
  private long logicalBytes;
  private String endedHow;

  RocksDbTxn(RocksDbEngine engine, RocksDB db, Snapshot snapshot, boolean write) {
    this.engine = engine;
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
    checkActive();
    try {
      return db.get(readOptions, key);
    } catch (RocksDBException e) {
      throw new StorageIOException("rocksdb get failed: " + e.getMessage(), e);
    }
  }

  @Override
  public Cursor cursor(KeyRange range) {
    Objects.requireNonNull(range, "range");
    checkActive();
    RocksDbCursor cursor = new RocksDbCursor(this, db.newIterator(readOptions), range);
    cursors.add(cursor);
    return cursor;
  }

  @Override
  public void put(byte[] key, byte[] value) {
    Limits.checkKey(key);
    Limits.checkValue(value);
    checkWritable();
    try {
      batch.put(key, value);
    } catch (RocksDBException e) {
      throw new StorageIOException("rocksdb batch put failed: " + e.getMessage(), e);
    }
    logicalBytes += key.length + value.length;
  }

  @Override
  public void delete(byte[] key) {
    Limits.checkKey(key);
    checkWritable();
    try {
      batch.delete(key);
    } catch (RocksDBException e) {
      throw new StorageIOException("rocksdb batch delete failed: " + e.getMessage(), e);
    }
    logicalBytes += key.length;
  }

  @Override
  public void commit() {
    checkWritable();
    try {
      if (batch.count() > 0) {
        engine.write(batch, logicalBytes);
      }
    } finally {
      end("committed");
    }
  }

  @Override
  public void rollback() {
    close();
  }

  @Override
  public void close() {
    if (endedHow == null) {
      end(isWrite() ? "rolled back" : "closed");
    }
  }

  private void end(String how) {
    endedHow = how;
    for (RocksDbCursor c : cursors) {
      c.close();
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

  private void checkWritable() {
    if (!isWrite()) {
      throw new UnsupportedOperationException("read transaction cannot write");
    }
    checkActive();
  }

  void checkActive() {
    if (endedHow != null) {
      throw new TransactionClosedException(
          (isWrite() ? "write" : "read") + " transaction is " + endedHow);
    }
    if (engine.isClosed()) {
      throw new TransactionClosedException("transaction is closed: its engine was closed");
    }
  }
}
