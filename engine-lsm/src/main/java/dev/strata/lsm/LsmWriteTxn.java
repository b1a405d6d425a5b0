package dev.strata.lsm;

import dev.strata.api.Cursor;
import dev.strata.api.KeyRange;
import dev.strata.api.Limits;
import dev.strata.api.WriteTxn;
import java.util.Arrays;
import java.util.Objects;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;

/**
 * The write transaction: the single-writer permit plus a plain {@link WriteBatch} committed with
 * one atomic {@code db.write}. Rollback frees the batch; nothing reached RocksDB.
 *
 * <p>The batch is never indexed. Reads see the transaction's own writes through a {@link
 * WriteOverlay} kept beside it in Java, built on the first read by replaying the batch ({@link
 * OverlayReplay}; a transaction that only writes never builds it): a point read looks there first
 * and goes to the database only for keys the transaction did not write, and a cursor merges the
 * database cursor with the overlay ({@link OverlayCursor}). A RocksDB {@code WriteBatchWithIndex}
 * would cost a native skip-list insert per write and a native batch lookup per read, on top of the
 * same database read — the cost a read-modify-write workload (a Kafka Streams count) pays on every
 * record.
 *
 * <p>Reads need no snapshot: write transactions are serial and this one holds the permit, so the
 * database's committed state cannot change while it is open (flushes and compactions do not change
 * what a read sees). Batches rather than RocksDB {@code Transaction} objects: the single-writer
 * permit already gives serializability, and RocksDB transactions add lock tracking this engine does
 * not need.
 *
 * <p>{@link #deleteRange} is always RocksDB's native range tombstone: one batch record, whatever
 * the number of keys; the overlay records the range so reads skip what it covers.
 */
final class LsmWriteTxn extends LsmReadTxn implements WriteTxn {
  /**
   * The exclusive end of a range tombstone with no upper bound: one byte longer than the longest
   * key and all {@code 0xFF}, so every legal key sorts below it.
   */
  private static final byte[] ABOVE_EVERY_KEY = filled(Limits.MAX_KEY_SIZE + 1);

  /** The inclusive start of a range tombstone with no lower bound: every legal key is longer. */
  private static final byte[] BELOW_EVERY_KEY = new byte[0];

  private final WriteBatch batch = new WriteBatch();

  /** Built on the first read (replaying the batch), then kept up to date; null until then. */
  private WriteOverlay overlay;

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
      byte[] own = overlay().lookup(key);
      if (own != null) {
        return own == WriteOverlay.TOMBSTONE ? null : own.clone();
      }
      return engine.db().get(engine.latestReadOptions(), key);
    } catch (RocksDBException e) {
      throw engine.failure("read", e);
    } finally {
      exit();
    }
  }

  @Override
  LsmCursor openCursor(KeyRange range) {
    return LsmCursor.overSnapshot(this, range, null);
  }

  @Override
  Cursor present(LsmCursor cursor, KeyRange range) {
    WriteOverlay own = overlay();
    return own.isEmpty() ? cursor : new OverlayCursor(this, cursor, own, range);
  }

  /** The overlay, built from the batch when the transaction reads for the first time. */
  private WriteOverlay overlay() {
    if (overlay == null) {
      WriteOverlay built = new WriteOverlay();
      try {
        OverlayReplay.replay(batch, built);
      } catch (RocksDBException e) {
        throw engine.failure("read", e);
      }
      overlay = built;
    }
    return overlay;
  }

  @Override
  public void put(byte[] key, byte[] value) {
    Limits.checkKey(key);
    Limits.checkValue(value);
    enter();
    try {
      batch.put(key, value);
      if (overlay != null) {
        overlay.put(key, value);
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
      batch.delete(key);
      if (overlay != null) {
        overlay.delete(key);
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
    enter();
    try {
      if (!range.isEmpty()) {
        byte[] from = range.lowerBound();
        byte[] to = range.upperBound();
        batch.deleteRange(from == null ? BELOW_EVERY_KEY : from, to == null ? ABOVE_EVERY_KEY : to);
        if (overlay != null) {
          overlay.deleteRange(range);
        }
        logicalBytes += (from == null ? 0 : from.length) + (to == null ? 0 : to.length);
      }
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
