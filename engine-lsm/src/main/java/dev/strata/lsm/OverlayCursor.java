package dev.strata.lsm;

import dev.strata.api.Cursor;
import dev.strata.api.KeyRange;
import dev.strata.api.TransactionClosedException;

/**
 * A cursor of a write transaction that has written: the database cursor merged, in Java, with the
 * transaction's {@link WriteOverlay}. On equal keys the overlay wins; tombstones and keys inside
 * ranges the transaction deleted are skipped.
 *
 * <p>Every step looks the overlay up again strictly after the last key it passed, rather than
 * holding a map iterator, so the transaction may write while the cursor is open (see {@link
 * Cursor}): keys stay strictly ordered, keys the transaction does not write are returned, and
 * {@link #key()}/{@link #value()} return the entry as {@link #next()} found it. The database side
 * cannot change while the write transaction is open (writers are serial).
 *
 * <p>Not thread-safe; it belongs to its transaction's thread.
 */
final class OverlayCursor implements Cursor {
  private final LsmReadTxn txn;
  private final LsmCursor base;
  private final WriteOverlay overlay;
  private final boolean reversed;
  private final byte[] start;
  private final byte[] lower;
  private final byte[] upper;

  private byte[] baseKey;
  private byte[] baseValue;
  private boolean baseDone;
  private byte[] lastKey;
  private byte[] key;
  private byte[] value;
  private boolean exhausted;
  private boolean closed;

  OverlayCursor(LsmReadTxn txn, LsmCursor base, WriteOverlay overlay, KeyRange range) {
    this.txn = txn;
    this.base = base;
    this.overlay = overlay;
    this.reversed = range.isReversed();
    this.lower = range.lowerBound();
    this.upper = range.upperBound();
    this.start = reversed ? upper : lower;
    this.exhausted = range.isEmpty();
  }

  @Override
  public boolean next() {
    checkOpen();
    key = null;
    value = null;
    while (!exhausted) {
      if (baseKey == null && !baseDone) {
        if (base.next()) {
          baseKey = base.key();
          baseValue = base.value();
        } else {
          baseDone = true;
        }
      }
      WriteOverlay.Entry own = overlay.following(lastKey, start, reversed);
      if (own != null && !inRange(own.key)) {
        own = null;
      }
      if (own == null && baseKey == null) {
        exhausted = true;
        return false;
      }
      int order =
          own == null ? 1 : baseKey == null ? -1 : direction(KeyRange.compare(own.key, baseKey));
      if (order <= 0) {
        byte[] ownKey = own.key;
        lastKey = ownKey;
        if (order == 0) {
          baseKey = null;
          baseValue = null;
        }
        if (own.value != WriteOverlay.TOMBSTONE) {
          key = ownKey.clone();
          value = own.value.clone();
          return true;
        }
      } else {
        byte[] k = baseKey;
        byte[] v = baseValue;
        baseKey = null;
        baseValue = null;
        lastKey = k;
        if (!overlay.inDeletedRange(k)) {
          key = k;
          value = v;
          return true;
        }
      }
    }
    return false;
  }

  private int direction(int comparison) {
    return reversed ? -comparison : comparison;
  }

  private boolean inRange(byte[] k) {
    return (lower == null || KeyRange.compare(k, lower) >= 0)
        && (upper == null || KeyRange.compare(k, upper) < 0);
  }

  @Override
  public byte[] key() {
    checkPositioned();
    return key.clone();
  }

  @Override
  public byte[] value() {
    checkPositioned();
    return value.clone();
  }

  private void checkOpen() {
    if (closed) {
      throw new TransactionClosedException("cursor is closed");
    }
    txn.checkActive();
  }

  private void checkPositioned() {
    checkOpen();
    if (key == null) {
      throw new IllegalStateException(
          "cursor has no current entry: call next() first and check that it returned true");
    }
  }

  @Override
  public void close() {
    closed = true;
    base.close();
  }
}
