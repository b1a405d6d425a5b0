package dev.strata.api.memory;

import dev.strata.api.Cursor;
import dev.strata.api.KeyRange;
import dev.strata.api.TransactionClosedException;
import java.util.Collections;
import java.util.Iterator;
import java.util.Map;
import java.util.NavigableMap;

/** A cursor over entries a memory transaction sees; checks its transaction on every call. */
final class MemoryCursor implements Cursor {
  private final MemoryTxn txn;
  private final Iterator<Map.Entry<byte[], byte[]>> entries;
  private Map.Entry<byte[], byte[]> current;
  private boolean closed;

  MemoryCursor(MemoryTxn txn, Iterator<Map.Entry<byte[], byte[]>> entries) {
    this.txn = txn;
    this.entries = entries;
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
  public boolean next() {
    checkOpen();
    current = entries.hasNext() ? entries.next() : null;
    return current != null;
  }

  @Override
  public byte[] key() {
    return currentEntry().getKey().clone();
  }

  @Override
  public byte[] value() {
    return currentEntry().getValue().clone();
  }

  private Map.Entry<byte[], byte[]> currentEntry() {
    checkOpen();
    if (current == null) {
      throw new IllegalStateException(
          "cursor has no current entry: call next() first and check" + " that it returned true");
    }
    return current;
  }

  private void checkOpen() {
    if (closed) {
      throw new TransactionClosedException("cursor is closed");
    }
    txn.checkActive();
  }

  @Override
  public void close() {
    closed = true;
  }
}
