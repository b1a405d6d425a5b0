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
import org.lmdbjava.Env;
import org.lmdbjava.LmdbException;
import org.lmdbjava.Txn;

/**
 * A read or write transaction of the {@code lmdb} baseline, wrapping one LMDB transaction. LMDB
 * gives read transactions a snapshot and lets write transactions read their own writes, so this
 * class only adds the Strata checks. Not thread-safe.
 */
final class LmdbTxn implements WriteTxn {
  private final LmdbEngine engine;
  private final Txn<byte[]> txn;
  private final boolean write;
  private final List<LmdbCursor> cursors = new ArrayList<>(1);
  private long logicalBytes;
  private boolean dirty;
  private String endedHow;

  LmdbTxn(LmdbEngine engine, Txn<byte[]> txn, boolean write) {
    this.engine = engine;
    this.txn = txn;
    this.write = write;
  }

  boolean isWrite() {
    return write;
  }

  Txn<byte[]> lmdbTxn() {
    return txn;
  }

  @Override
  public byte[] get(byte[] key) {
    checkKey(key);
    checkActive();
    return engine.dbi().get(txn, key);
  }

  @Override
  public Cursor cursor(KeyRange range) {
    Objects.requireNonNull(range, "range");
    checkActive();
    LmdbCursor cursor = new LmdbCursor(this, engine.dbi().openCursor(txn), range);
    cursors.add(cursor);
    return cursor;
  }

  @Override
  public void put(byte[] key, byte[] value) {
    checkKey(key);
    Limits.checkValue(value);
    checkWritable();
    try {
      engine.dbi().put(txn, key, value);
    } catch (Env.MapFullException e) {
      throw new StorageFullException("lmdb map is full; raise " + LmdbEngine.MAP_SIZE, e);
    }
    dirty = true;
    logicalBytes += key.length + value.length;
  }

  @Override
  public void delete(byte[] key) {
    checkKey(key);
    checkWritable();
    engine.dbi().delete(txn, key);
    dirty = true;
    logicalBytes += key.length;
  }

  @Override
  public void commit() {
    checkWritable();
    closeCursors();
    try {
      txn.commit();
    } catch (Env.MapFullException e) {
      end("rolled back", false);
      throw new StorageFullException("lmdb map is full; raise " + LmdbEngine.MAP_SIZE, e);
    } catch (LmdbException e) {
      end("rolled back", false);
      throw new StorageIOException("lmdb commit failed: " + e.getMessage(), e);
    }
    end("committed", dirty);
  }

  @Override
  public void rollback() {
    close();
  }

  @Override
  public void close() {
    if (endedHow != null) {
      return;
    }
    closeCursors();
    end(write ? "rolled back" : "closed", false);
  }

  private void end(String how, boolean committedWrites) {
    endedHow = how;
    txn.close();
    engine.ended(this, committedWrites, logicalBytes);
  }

  private void closeCursors() {
    for (LmdbCursor c : cursors) {
      c.close();
    }
    cursors.clear();
  }

  private void checkKey(byte[] key) {
    Limits.checkKey(key);
    if (key.length > engine.maxKeySize()) {
      throw new IllegalArgumentException("key is " + key.length
          + " bytes; the lmdb baseline's maximum key size is " + engine.maxKeySize());
    }
  }

  private void checkWritable() {
    if (!write) {
      throw new UnsupportedOperationException("read transaction cannot write");
    }
    checkActive();
  }

  void checkActive() {
    if (endedHow != null) {
      throw new TransactionClosedException(
          (write ? "write" : "read") + " transaction is " + endedHow);
    }
    if (engine.isClosed()) {
      throw new TransactionClosedException("transaction is closed: its engine was closed");
    }
  }
}
