package dev.strata.lsm;

import dev.strata.api.KeyRange;
import dev.strata.api.Limits;
import dev.strata.api.WriteTxn;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatchWithIndex;

/**
 * The write transaction: the single-writer permit plus a {@link WriteBatchWithIndex} that gives
 * reads their own writes ({@code getFromBatchAndDB}, {@code newIteratorWithBase}) and commits with
 * one atomic {@code db.write}. Rollback frees the batch; nothing reached RocksDB.
 *
 * <p>Reads need no snapshot: write transactions are serial and this one holds the permit, so the
 * database's committed state cannot change while it is open (flushes and compactions do not change
 * what a read sees). A plain indexed batch rather than a RocksDB {@code Transaction}: the
 * single-writer permit already gives serializability, and RocksDB transactions add lock tracking
 * this engine does not need.
 */
final class LsmWriteTxn extends LsmReadTxn implements WriteTxn {
  /** overwrite_key=true: a re-put key replaces its batch entry, as iterating with a base needs. */
  private final WriteBatchWithIndex batch = new WriteBatchWithIndex(true);

  private long logicalBytes;

  LsmWriteTxn(LsmEngine engine) {
    super(engine);
  }

  @Override
  void openSnapshot() {
    // Serial writers: the latest state is this transaction's snapshot; see the class comment.
  }

  @Override
  public byte[] get(byte[] key) {
    Limits.checkKey(key);
    enter();
    try {
      return batch.getFromBatchAndDB(engine.db(), engine.latestReadOptions(), key);
    } catch (RocksDBException e) {
      throw engine.failure("read", e);
    } finally {
      exit();
    }
  }

  @Override
  LsmCursor openCursor(KeyRange range) {
    return LsmCursor.overBatch(this, range, batch);
  }

  @Override
  public void put(byte[] key, byte[] value) {
    Limits.checkKey(key);
    Limits.checkValue(value);
    enter();
    try {
      batch.put(key, value);
      logicalBytes += key.length + value.length;
    } catch (RocksDBException e) {
      throw engine.failure("write", e);
    } finally {
      exit();
    }
  }

  @Override
  public void delete(byte[] key) {
    Limits.checkKey(key);
    enter();
    try {
      batch.delete(key);
      logicalBytes += key.length;
    } catch (RocksDBException e) {
      throw engine.failure("write", e);
    } finally {
      exit();
    }
  }

  @Override
  public void commit() {
    enter();
    String how = "rolled back: its commit failed";
    try {
      engine.commit(batch, logicalBytes);
      how = "committed";
    } finally {
      end(how);
      exit();
    }
  }

  @Override
  public void rollback() {
    close();
  }

  @Override
  void freeResources() {
    batch.close();
  }

  @Override
  String describe() {
    return "write transaction of " + engine.description();
  }
}
