package dev.strata.lsm;

import dev.strata.api.Cursor;
import dev.strata.api.KeyRange;
import dev.strata.api.Limits;
import dev.strata.api.WriteTxn;
import java.util.Arrays;
import java.util.Objects;
import java.util.function.Consumer;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;

/**
 * The write transaction: the single-writer permit plus a {@link WriteOverlay} on the Java heap that
 * holds the transaction's writes until commit, when they go to RocksDB as one plain {@link
 * WriteBatch} in one atomic {@code db.write}. Rollback drops the overlay; nothing reached RocksDB.
 *
 * <p>A put or delete therefore crosses into native code not at all: it updates a hash map. A read
 * looks there first and goes to the database only for keys the transaction did not write, and a
 * cursor merges the database cursor with the overlay ({@link OverlayCursor}). The batch is built at
 * commit, one native call per distinct key, in key order: a key written many times in one
 * transaction (a count, a changelog restore) reaches the WAL and the memtable once, and sorted
 * inserts walk the memtable's skip list with good locality. A RocksDB {@code WriteBatchWithIndex}
 * would cost a native skip-list insert per write and a native batch lookup per read; a plain batch
 * written on every call would cost a native call per write and a second copy of every value.
 *
 * <p>The price is heap: until commit, a transaction holds each distinct key and its latest value on
 * the Java heap, plus about {@value WriteOverlay#ENTRY_OVERHEAD_BYTES} bytes per key. Bulk loads
 * commit in slices.
 *
 * <p>Reads need no snapshot: write transactions are serial and this one holds the permit, so the
 * database's committed state cannot change while it is open (flushes and compactions do not change
 * what a read sees). Batches rather than RocksDB {@code Transaction} objects: the single-writer
 * permit already gives serializability, and RocksDB transactions add lock tracking this engine does
 * not need.
 *
 * <p>{@link #deleteRange} is always RocksDB's native range tombstone at commit: one batch record,
 * whatever the number of keys; the overlay records the range so reads skip what it covers.
 */
final class LsmWriteTxn extends LsmReadTxn implements WriteTxn {
  /**
   * The exclusive end of a range tombstone with no upper bound: one byte longer than the longest
   * key and all {@code 0xFF}, so every legal key sorts below it.
   */
  private static final byte[] ABOVE_EVERY_KEY = filled(Limits.MAX_KEY_SIZE + 1);

  /** The inclusive start of a range tombstone with no lower bound: every legal key is longer. */
  private static final byte[] BELOW_EVERY_KEY = new byte[0];

  private final WriteOverlay overlay = new WriteOverlay();

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
      byte[] own = overlay.lookup(key);
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
    return overlay.isEmpty() ? cursor : new OverlayCursor(this, cursor, overlay, range);
  }

  @Override
  public void put(byte[] key, byte[] value) {
    Limits.checkKey(key);
    Limits.checkValue(value);
    checkActive();
    overlay.put(key, value);
    logicalBytes += key.length + value.length;
  }

  @Override
  public void delete(byte[] key) {
    Limits.checkKey(key);
    checkActive();
    overlay.delete(key);
    logicalBytes += key.length;
  }

  @Override
  public void deleteRange(KeyRange range) {
    Objects.requireNonNull(range, "range");
    checkActive();
    if (!range.isEmpty()) {
      byte[] from = range.lowerBound();
      byte[] to = range.upperBound();
      overlay.deleteRange(range);
      logicalBytes += (from == null ? 0 : from.length) + (to == null ? 0 : to.length);
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
    try (WriteBatch batch = buildBatch()) {
      engine.commit(batch, logicalBytes);
      how = "committed";
    } catch (RocksDBException e) {
      throw engine.failure("commit", e);
    } finally {
      end(how);
      exit();
    }
  }

  @Override
  public void rollback() {
    close();
  }

  /** The overlay as one batch: range tombstones first, then each key once, in key order. */
  private WriteBatch buildBatch() throws RocksDBException {
    WriteBatch batch = new WriteBatch();
    try {
      for (KeyRange range : overlay.deletedRanges()) {
        byte[] from = range.lowerBound();
        byte[] to = range.upperBound();
        batch.deleteRange(from == null ? BELOW_EVERY_KEY : from, to == null ? ABOVE_EVERY_KEY : to);
      }
      BatchSink sink = new BatchSink(batch);
      overlay.forEachInKeyOrder(sink);
      if (sink.failure != null) {
        throw sink.failure;
      }
      return batch;
    } catch (RocksDBException | RuntimeException | Error e) {
      batch.close();
      throw e;
    }
  }

  /** Appends overlay entries to a batch, keeping the first native failure. */
  private static final class BatchSink implements Consumer<WriteOverlay.Entry> {
    private final WriteBatch batch;
    RocksDBException failure;

    BatchSink(WriteBatch batch) {
      this.batch = batch;
    }

    @Override
    public void accept(WriteOverlay.Entry e) {
      if (failure != null) {
        return;
      }
      try {
        if (e.value == WriteOverlay.TOMBSTONE) {
          batch.delete(e.key);
        } else {
          batch.put(e.key, e.value);
        }
      } catch (RocksDBException x) {
        failure = x;
      }
    }
  }

  @Override
  void freeResources() {
    // The overlay is on the heap; the batch exists only inside commit().
  }

  @Override
  String describe() {
    return "write transaction of " + engine.description();
  }
}
