package dev.strata.bench.baseline;

import dev.strata.api.KeyRange;
import dev.strata.api.spi.CallGuard;
import org.rocksdb.RocksIterator;

/** A Strata cursor over a RocksDB iterator; {@link BaselineCursor} checks the bounds. */
final class RocksDbCursor extends BaselineCursor {
  private final RocksIterator iterator;

  RocksDbCursor(RocksDbTxn txn, CallGuard guard, RocksIterator iterator, KeyRange range) {
    super(txn::enterActive, guard, range);
    this.iterator = iterator;
  }

  @Override
  boolean seekStart() {
    if (range.isReversed()) {
      byte[] upper = range.upperBound();
      if (upper == null) {
        iterator.seekToLast();
      } else {
        // seekForPrev lands on the last key <= upper; the bound is exclusive.
        iterator.seekForPrev(upper);
        if (iterator.isValid() && KeyRange.compare(iterator.key(), upper) == 0) {
          iterator.prev();
        }
      }
    } else {
      byte[] lower = range.lowerBound();
      if (lower == null) {
        iterator.seekToFirst();
      } else {
        iterator.seek(lower);
      }
    }
    return iterator.isValid();
  }

  @Override
  boolean step() {
    if (range.isReversed()) {
      iterator.prev();
    } else {
      iterator.next();
    }
    return iterator.isValid();
  }

  @Override
  byte[] currentKey() {
    return iterator.key();
  }

  @Override
  byte[] currentValue() {
    return iterator.value();
  }

  @Override
  void freeNative() {
    iterator.close();
  }
}
