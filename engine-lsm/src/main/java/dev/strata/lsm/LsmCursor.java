package dev.strata.lsm;

import dev.strata.api.Cursor;
import dev.strata.api.KeyRange;
import dev.strata.api.TransactionClosedException;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
import org.rocksdb.Snapshot;
import org.rocksdb.WriteBatchWithIndex;

/**
 * A cursor over a {@link KeyRange}: a RocksDB iterator bounded natively by {@code
 * iterate_lower_bound} / {@code iterate_upper_bound}, so RocksDB never reads blocks outside the
 * range. The bound {@link Slice}s and the {@link ReadOptions} referencing them stay alive until the
 * cursor is freed, because the native iterator keeps pointers into them.
 *
 * <p>Descending cursors start with {@code seekForPrev(upperBound)} and skip the bound itself (it
 * is exclusive). After the iterator runs out, {@code status()} is checked, so an I/O error or a
 * checksum failure met while scanning surfaces as an exception instead of a short result.
 *
 * <p>Cursors of a write transaction iterate the batch merged over the database ({@code
 * newIteratorWithBase}) and copy each entry when they reach it: RocksDB documents that a write to
 * the batch invalidates the iterator's current key and value, so reading them lazily after the
 * transaction wrote again could read stale memory. They also check the bounds in Java, because the
 * batch side of that merged iterator is not bounded by the read options in every RocksDB version.
 *
 * <p>Not thread-safe; every call runs inside its transaction's guard.
 */
final class LsmCursor implements Cursor {
  private final LsmReadTxn txn;
  private final boolean reversed;
  private final boolean copyOnAdvance;
  private final byte[] lower;
  private final byte[] upper;
  private final Slice lowerSlice;
  private final Slice upperSlice;
  private final ReadOptions readOptions;
  private final RocksIterator iterator;
  private boolean started;
  private boolean exhausted;
  private boolean positioned;
  private boolean closed;
  private boolean freed;
  private byte[] copiedKey;
  private byte[] copiedValue;

  private LsmCursor(
      LsmReadTxn txn,
      KeyRange range,
      boolean copyOnAdvance,
      Snapshot snapshot,
      WriteBatchWithIndex batch) {
    this.txn = txn;
    this.reversed = range.isReversed();
    this.copyOnAdvance = copyOnAdvance;
    this.lower = range.lowerBound();
    this.upper = range.upperBound();
    if (range.isEmpty()) {
      // No native objects: the cursor is exhausted before it starts.
      this.lowerSlice = null;
      this.upperSlice = null;
      this.readOptions = null;
      this.iterator = null;
      this.exhausted = true;
      return;
    }
    Slice lowerS = null;
    Slice upperS = null;
    ReadOptions options = null;
    RocksIterator it = null;
    try {
      options = new ReadOptions();
      if (snapshot != null) {
        options.setSnapshot(snapshot);
      }
      if (lower != null) {
        lowerS = new Slice(lower);
        options.setIterateLowerBound(lowerS);
      }
      if (upper != null) {
        upperS = new Slice(upper);
        options.setIterateUpperBound(upperS);
      }
      if (batch == null) {
        it = txn.engine.db().newIterator(options);
      } else {
        it = batch.newIteratorWithBase(txn.engine.db().newIterator(options), options);
      }
    } catch (RuntimeException | Error e) {
      closeAll(it, options, upperS, lowerS);
      throw e;
    }
    this.lowerSlice = lowerS;
    this.upperSlice = upperS;
    this.readOptions = options;
    this.iterator = it;
  }

  static LsmCursor overSnapshot(LsmReadTxn txn, KeyRange range, Snapshot snapshot) {
    return new LsmCursor(txn, range, false, snapshot, null);
  }

  static LsmCursor overBatch(LsmReadTxn txn, KeyRange range, WriteBatchWithIndex batch) {
    return new LsmCursor(txn, range, true, null, batch);
  }

  @Override
  public boolean next() {
    txn.enter();
    try {
      checkNotClosed();
      positioned = false;
      if (exhausted) {
        return false;
      }
      if (!started) {
        started = true;
        seekStart();
      } else if (reversed) {
        iterator.prev();
      } else {
        iterator.next();
      }
      if (!iterator.isValid()) {
        finish();
        return false;
      }
      if (copyOnAdvance) {
        byte[] key = iterator.key();
        if ((lower != null && KeyRange.compare(key, lower) < 0)
            || (upper != null && KeyRange.compare(key, upper) >= 0)) {
          exhausted = true;
          return false;
        }
        copiedKey = key;
        copiedValue = iterator.value();
      }
      positioned = true;
      return true;
    } finally {
      txn.exit();
    }
  }

  private void seekStart() {
    if (!reversed) {
      if (lower == null) {
        iterator.seekToFirst();
      } else {
        iterator.seek(lower);
      }
      return;
    }
    if (upper == null) {
      iterator.seekToLast();
      return;
    }
    iterator.seekForPrev(upper);
    if (iterator.isValid() && KeyRange.compare(iterator.key(), upper) == 0) {
      iterator.prev();
    }
  }

  /** Ends iteration and surfaces any error the iterator met on the way. */
  private void finish() {
    exhausted = true;
    try {
      iterator.status();
    } catch (RocksDBException e) {
      throw txn.engine.failure("scan", e);
    }
  }

  @Override
  public byte[] key() {
    txn.enter();
    try {
      checkPositioned();
      return copyOnAdvance ? copiedKey.clone() : iterator.key();
    } finally {
      txn.exit();
    }
  }

  @Override
  public byte[] value() {
    txn.enter();
    try {
      checkPositioned();
      return copyOnAdvance ? copiedValue.clone() : iterator.value();
    } finally {
      txn.exit();
    }
  }

  private void checkNotClosed() {
    if (closed) {
      throw new TransactionClosedException("cursor is closed");
    }
  }

  private void checkPositioned() {
    checkNotClosed();
    if (!positioned) {
      throw new IllegalStateException(
          "cursor has no current entry: call next() first and check that it returned true");
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      txn.enter();
    } catch (TransactionClosedException e) {
      // The transaction ended and freed this cursor with it (or the engine will).
      return;
    }
    try {
      free();
      txn.forget(this);
    } finally {
      txn.exit();
    }
  }

  /** Frees the native objects, iterator first; runs once, inside the guard. */
  void free() {
    if (freed) {
      return;
    }
    freed = true;
    closed = true;
    closeAll(iterator, readOptions, upperSlice, lowerSlice);
  }

  private static void closeAll(
      RocksIterator it, ReadOptions options, Slice upperSlice, Slice lowerSlice) {
    if (it != null) {
      it.close();
    }
    if (options != null) {
      options.close();
    }
    if (upperSlice != null) {
      upperSlice.close();
    }
    if (lowerSlice != null) {
      lowerSlice.close();
    }
  }
}
