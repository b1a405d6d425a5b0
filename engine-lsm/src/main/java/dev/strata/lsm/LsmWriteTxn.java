package dev.strata.lsm;

import dev.strata.api.KeyRange;
import dev.strata.api.Limits;
import dev.strata.api.WriteTxn;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteBatchWithIndex;

/**
 * The write transaction: the single-writer permit plus a write batch committed with one atomic
 * {@code db.write}. Rollback frees the batch; nothing reached RocksDB.
 *
 * <p>Two batch kinds, chosen lazily. Writes go to a plain {@link WriteBatch} — what a raw RocksDB
 * user writes, and measurably cheaper per put than an indexed batch (see {@code
 * engine-lsm/README.md}) — until the transaction reads while it holds unread writes. Then the
 * writes are copied once into a {@link WriteBatchWithIndex} (overwrite_key=true, as iterating with
 * a base needs), whose {@code getFromBatchAndDB} and {@code newIteratorWithBase} give reads their
 * own writes; later writes go there. Write-only transactions (bulk loads) and transactions that
 * read before they write never pay for the index.
 *
 * <p>Reads need no snapshot: write transactions are serial and this one holds the permit, so the
 * database's committed state cannot change while it is open (flushes and compactions do not change
 * what a read sees). Batches rather than RocksDB {@code Transaction} objects: the single-writer
 * permit already gives serializability, and RocksDB transactions add lock tracking this engine does
 * not need.
 */
final class LsmWriteTxn extends LsmReadTxn implements WriteTxn {
  private WriteBatch plain = new WriteBatch();
  private WriteBatchWithIndex indexed;
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
      if (indexed == null && plain.count() == 0) {
        return engine.db().get(engine.latestReadOptions(), key);
      }
      return indexed().getFromBatchAndDB(engine.db(), engine.latestReadOptions(), key);
    } catch (RocksDBException e) {
      throw engine.failure("read", e);
    } finally {
      exit();
    }
  }

  @Override
  LsmCursor openCursor(KeyRange range) {
    if (indexed == null && plain.count() == 0) {
      return LsmCursor.overSnapshot(this, range, null);
    }
    try {
      return LsmCursor.overBatch(this, range, indexed());
    } catch (RocksDBException e) {
      throw engine.failure("read", e);
    }
  }

  /** Switches to the indexed batch, copying the writes made so far. */
  private WriteBatchWithIndex indexed() throws RocksDBException {
    if (indexed == null) {
      WriteBatchWithIndex index = new WriteBatchWithIndex(true);
      try {
        BatchReplay.copy(plain, index);
      } catch (RocksDBException | RuntimeException e) {
        index.close();
        throw e;
      }
      indexed = index;
      plain.close();
      plain = null;
    }
    return indexed;
  }

  @Override
  public void put(byte[] key, byte[] value) {
    Limits.checkKey(key);
    Limits.checkValue(value);
    enter();
    try {
      if (indexed == null) {
        plain.put(key, value);
      } else {
        indexed.put(key, value);
      }
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
      if (indexed == null) {
        plain.delete(key);
      } else {
        indexed.delete(key);
      }
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
      if (indexed == null) {
        engine.commit(plain, logicalBytes);
      } else {
        engine.commit(indexed, logicalBytes);
      }
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
    if (plain != null) {
      plain.close();
    }
    if (indexed != null) {
      indexed.close();
    }
  }

  @Override
  String describe() {
    return "write transaction of " + engine.description();
  }
}
