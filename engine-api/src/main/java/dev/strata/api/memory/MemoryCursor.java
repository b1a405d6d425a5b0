package dev.strata.api.memory;

import dev.strata.api.KeyRange;
import dev.strata.api.spi.EntryCursor;
import java.util.Collections;
import java.util.Iterator;
import java.util.Map;
import java.util.NavigableMap;

/**
 * A cursor over entries a memory transaction sees ({@link EntryCursor}); checks its transaction on
 * every call.
 */
final class MemoryCursor extends EntryCursor<byte[]> {
  private final MemoryTxn txn;

  MemoryCursor(MemoryTxn txn, Iterator<Map.Entry<byte[], byte[]>> entries) {
    super(entries);
    this.txn = txn;
  }

  /** The part of a sorted map inside {@code range}, in the range's direction. */
  static <V> NavigableMap<byte[], V> view(NavigableMap<byte[], V> map, KeyRange range) {
    if (range.isEmpty()) {
      return Collections.emptyNavigableMap();
    }
    byte[] lower = range.lowerBound();
    byte[] upper = range.upperBound();
    NavigableMap<byte[], V> bounded = map;
    if (lower != null && upper != null) {
      bounded = map.subMap(lower, true, upper, false);
    } else if (lower != null) {
      bounded = map.tailMap(lower, true);
    } else if (upper != null) {
      bounded = map.headMap(upper, false);
    }
    return range.isReversed() ? bounded.descendingMap() : bounded;
  }

  @Override
  protected void checkTransaction() {
    txn.checkActive();
  }

  @Override
  protected byte[] valueOf(byte[] value) {
    return value.clone();
  }
}
