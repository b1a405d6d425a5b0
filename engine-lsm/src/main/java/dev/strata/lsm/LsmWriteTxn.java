package dev.strata.lsm;

import dev.strata.api.KeyRange;
import dev.strata.api.Limits;
import dev.strata.api.WriteTxn;
import java.util.Arrays;
import java.util.Objects;
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
 *
 * <p>{@link #deleteRange} is RocksDB's native range tombstone while the transaction writes to the
 * plain batch: one record, whatever the number of keys. An indexed batch cannot answer reads
 * through a range tombstone, so once the transaction reads its own writes, a range deletion becomes
 * one delete per live key, and a range tombstone already in the plain batch is expanded the same
 * way when the writes move to the indexed batch (see {@link BatchReplay}).
 */
final class LsmWriteTxn extends LsmReadTxn implements WriteTxn {
  /**
   * The exclusive end of a range tombstone with no upper bound: one byte longer than the longest
   * key and all {@code 0xFF}, so every legal key sorts below it.
   */
  private static final byte[] ABOVE_EVERY_KEY = filled(Limits.MAX_KEY_SIZE + 1);

  /** The inclusive start of a range tombstone with no lower bound: every legal key is longer. */
  private static final byte[] BELOW_EVERY_KEY = new byte[0];

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
        BatchReplay.copy(plain, index, engine.db(), engine.latestReadOptions());
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
  public void deleteRange(KeyRange range) {
    Objects.requireNonNull(range, "range");
    if (!deleteRangeNatively(range)) {
      WriteTxn.super.deleteRange(range);
    }
  }

  /** Writes a range tombstone to the plain batch; false when the writes are indexed already. */
  private boolean deleteRangeNatively(KeyRange range) {
    enter();
    try {
      if (indexed != null) {
        return false;
      }
      if (!range.isEmpty()) {
        byte[] from = range.lowerBound();
        byte[] to = range.upperBound();
        plain.deleteRange(from == null ? BELOW_EVERY_KEY : from, to == null ? ABOVE_EVERY_KEY : to);
        logicalBytes += (from == null ? 0 : from.length) + (to == null ? 0 : to.length);
      }
      return true;
    } catch (RocksDBException e) {
      throw engine.failure("write", e);
    } finally {
      exit();
    }
  }

  private static byte[] filled(int length) {
    byte[] key = new byte[length];
    Arrays.fill(key, (byte) 0xFF);
    return key;
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
