package dev.strata.bench.baseline;

import dev.strata.api.KeyRange;
import dev.strata.api.spi.CallGuard;
import org.lmdbjava.GetOp;

/**
 * A Strata cursor over an LMDB cursor. Bounds are checked by {@link BaselineCursor} rather than by
 * lmdbjava's {@code KeyRange}, whose default comparator is signed. Not thread-safe.
 */
final class LmdbCursor extends BaselineCursor {
  private final org.lmdbjava.Cursor<byte[]> cursor;

  LmdbCursor(LmdbTxn txn, CallGuard guard, org.lmdbjava.Cursor<byte[]> cursor, KeyRange range) {
    super(txn::enterActive, guard, range);
    this.cursor = cursor;
  }

  @Override
  boolean seekStart() {
    if (!range.isReversed()) {
      byte[] lower = range.lowerBound();
      return lower == null ? cursor.first() : cursor.get(lower, GetOp.MDB_SET_RANGE);
    }
    byte[] upper = range.upperBound();
    if (upper == null) {
      return cursor.last();
    }
    // The first key at or above the exclusive upper bound; the entry before it is the last inside.
    return cursor.get(upper, GetOp.MDB_SET_RANGE) ? cursor.prev() : cursor.last();
  }

  @Override
  boolean step() {
    return range.isReversed() ? cursor.prev() : cursor.next();
  }

  // The byte[] proxy copies out of the map, so these arrays stay valid after the txn ends.
  @Override
  byte[] currentKey() {
    return cursor.key();
  }

  @Override
  byte[] currentValue() {
    return cursor.val();
  }

  @Override
  void freeNative() {
    cursor.close();
  }
}
