package dev.strata.lsm;

import dev.strata.api.Cursor;
import dev.strata.api.KeyRange;
import dev.strata.api.TransactionClosedException;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
import org.rocksdb.Snapshot;

/**
 * A cursor over a {@link KeyRange}: a RocksDB iterator bounded natively by {@code
 * iterate_lower_bound} / {@code iterate_upper_bound}, so RocksDB never reads blocks outside the
 * range. The bound {@link Slice}s and the {@link ReadOptions} referencing them stay alive until the
 * cursor is freed, because the native iterator keeps pointers into them.
 *
 * <p>Descending cursors start with {@code seekForPrev(upperBound)} and skip the bound itself (it is
 * exclusive). After the iterator runs out, {@code status()} is checked, so an I/O error or a
 * checksum failure met while scanning surfaces as an exception instead of a short result.
 *
 * <p>{@link #next()} copies the entry's key and value out of RocksDB while it holds the
 * transaction's guard, so {@link #key()} and {@link #value()} touch no native memory and need no
 * guard: one guarded section per entry instead of three (the guard's fence is a measurable share of
 * a 1,000-entry scan). The first {@code key()} / {@code value()} call per entry hands out that
 * copy; a repeated call returns a fresh one, because the caller owns — and may have changed — the
 * first.
 *
 * <p>Not thread-safe; every call runs inside its transaction's guard.
 */
final class LsmCursor implements Cursor {
  private final LsmReadTxn txn;
  private final boolean reversed;
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
  private boolean keyHandedOut;
  private boolean valueHandedOut;

  private LsmCursor(LsmReadTxn txn, KeyRange range, Snapshot snapshot) {
    this.txn = txn;
    this.reversed = range.isReversed();
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
      it = txn.engine.db().newIterator(options);
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
    return new LsmCursor(txn, range, snapshot);
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
      copiedKey = iterator.key();
      copiedValue = iterator.value();
      keyHandedOut = false;
      valueHandedOut = false;
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
    checkPositioned();
    if (!keyHandedOut) {
      keyHandedOut = true;
      return copiedKey;
    }
    return fetch(true);
  }

  @Override
  public byte[] value() {
    checkPositioned();
    if (!valueHandedOut) {
      valueHandedOut = true;
      return copiedValue;
    }
    return fetch(false);
  }

  /** Reads the current entry again from the iterator, for a repeated key() or value() call. */
  private byte[] fetch(boolean key) {
    txn.enter();
    try {
      return key ? iterator.key() : iterator.value();
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
    txn.checkActive();
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
