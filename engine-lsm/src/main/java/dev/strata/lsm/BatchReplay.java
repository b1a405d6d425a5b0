package dev.strata.lsm;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteBatchWithIndex;

/**
 * Copies a plain {@link WriteBatch} into a {@link WriteBatchWithIndex}, for a write transaction
 * that starts reading its own writes after it began with the cheaper unindexed batch. Strata
 * batches only ever hold puts, deletes and range deletions in the default column family; anything
 * else is a bug and fails the copy. An indexed batch cannot serve reads through a range tombstone,
 * so a range deletion is copied as one delete per key the range holds at that point of the replay:
 * the database's keys merged with the writes copied before it.
 *
 * <p>RocksDB calls the handler from native code, where a Java exception must not escape, so the
 * first failure is kept and rethrown by {@link #copy}. Not thread-safe; used once.
 */
final class BatchReplay extends WriteBatch.Handler {
  private static final int DEFAULT_COLUMN_FAMILY = 0;

  private final WriteBatchWithIndex target;
  private final RocksDB db;
  private final ReadOptions readOptions;
  private RuntimeException failure;

  private BatchReplay(WriteBatchWithIndex target, RocksDB db, ReadOptions readOptions) {
    this.target = target;
    this.db = db;
    this.readOptions = readOptions;
  }

  /**
   * Appends every entry of {@code source} to {@code target}, in order.
   *
   * @param db the database the transaction reads, for expanding range deletions
   * @param readOptions the options the transaction reads it with
   * @throws RocksDBException if RocksDB cannot iterate the batch or a write fails
   */
  static void copy(
      WriteBatch source, WriteBatchWithIndex target, RocksDB db, ReadOptions readOptions)
      throws RocksDBException {
    try (BatchReplay replay = new BatchReplay(target, db, readOptions)) {
      source.iterate(replay);
      if (replay.failure != null) {
        throw replay.failure;
      }
    }
  }

  @Override
  public void put(byte[] key, byte[] value) {
    if (failure != null) {
      return;
    }
    try {
      target.put(key, value);
    } catch (RocksDBException e) {
      failure = new IllegalStateException("cannot index a write-batch put", e);
    }
  }

  @Override
  public void delete(byte[] key) {
    if (failure != null) {
      return;
    }
    try {
      target.delete(key);
    } catch (RocksDBException e) {
      failure = new IllegalStateException("cannot index a write-batch delete", e);
    }
  }

  @Override
  public void put(int columnFamilyId, byte[] key, byte[] value) {
    checkDefault(columnFamilyId);
    put(key, value);
  }

  @Override
  public void delete(int columnFamilyId, byte[] key) {
    checkDefault(columnFamilyId);
    delete(key);
  }

  private void checkDefault(int columnFamilyId) {
    if (columnFamilyId != DEFAULT_COLUMN_FAMILY && failure == null) {
      failure = new IllegalStateException("write batch names column family " + columnFamilyId);
    }
  }

  private void unexpected(String what) {
    if (failure == null) {
      failure = new IllegalStateException("unexpected " + what + " in a Strata write batch");
    }
  }

  @Override
  public void merge(int columnFamilyId, byte[] key, byte[] value) {
    unexpected("merge");
  }

  @Override
  public void merge(byte[] key, byte[] value) {
    unexpected("merge");
  }

  @Override
  public void singleDelete(int columnFamilyId, byte[] key) {
    unexpected("single delete");
  }

  @Override
  public void singleDelete(byte[] key) {
    unexpected("single delete");
  }

  @Override
  public void deleteRange(int columnFamilyId, byte[] beginKey, byte[] endKey) {
    checkDefault(columnFamilyId);
    deleteRange(beginKey, endKey);
  }

  @Override
  public void deleteRange(byte[] beginKey, byte[] endKey) {
    if (failure != null) {
      return;
    }
    try {
      // Collected first: the index must not change under the iterator that reads it.
      List<byte[]> keys = new ArrayList<>();
      try (Slice upper = new Slice(endKey);
          ReadOptions bounded = new ReadOptions(readOptions).setIterateUpperBound(upper);
          RocksIterator merged = target.newIteratorWithBase(db.newIterator(bounded), bounded)) {
        for (merged.seek(beginKey); merged.isValid(); merged.next()) {
          byte[] key = merged.key();
          if (Arrays.compareUnsigned(key, endKey) >= 0) {
            break;
          }
          keys.add(key);
        }
        merged.status();
      }
      for (byte[] key : keys) {
        target.delete(key);
      }
    } catch (RocksDBException | RuntimeException e) {
      failure = new IllegalStateException("cannot index a write-batch range delete", e);
    }
  }

  @Override
  public void logData(byte[] blob) {
    unexpected("log data");
  }

  @Override
  public void putBlobIndex(int columnFamilyId, byte[] key, byte[] value) {
    unexpected("blob index");
  }

  @Override
  public void markBeginPrepare() {
    unexpected("prepare marker");
  }

  @Override
  public void markEndPrepare(byte[] xid) {
    unexpected("prepare marker");
  }

  @Override
  public void markNoop(boolean emptyBatch) {
    unexpected("noop marker");
  }

  @Override
  public void markRollback(byte[] xid) {
    unexpected("rollback marker");
  }

  @Override
  public void markCommit(byte[] xid) {
    unexpected("commit marker");
  }

  @Override
  public void markCommitWithTimestamp(byte[] xid, byte[] ts) {
    unexpected("commit marker");
  }
}
