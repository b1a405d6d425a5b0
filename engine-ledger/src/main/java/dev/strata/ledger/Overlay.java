package dev.strata.ledger;

import dev.strata.api.KeyRange;
import dev.strata.api.spi.WriteOverlay;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A write transaction's pending writes: the last value written per key (or {@link
 * WriteOverlay#TOMBSTONE}), in arrays indexed by slot, found through a {@link KeyTable}. Sorted
 * only when asked ({@link #sortedSlots()}), once per commit, instead of keeping a sorted map
 * through every put. Not thread-safe: a transaction belongs to one thread at a time.
 *
 * <p>Arrays: keys and values passed in become the overlay's (the transaction passes copies).
 */
final class Overlay implements KeyTable.Keys {
  private byte[][] keys = new byte[8][];
  private byte[][] values = new byte[8][];
  private int count;
  private final KeyTable table = new KeyTable(0);
  private int[] sorted;

  /** Number of distinct keys written. */
  int size() {
    return count;
  }

  @Override
  public byte[] key(int slot) {
    return keys[slot];
  }

  byte[] value(int slot) {
    return values[slot];
  }

  /** The value last written for a key (possibly the tombstone), or null if none was. */
  byte[] get(byte[] key) {
    int slot = table.find(key, KeyTable.hash(key), this);
    return slot < 0 ? null : values[slot];
  }

  /** Records a write; the last one per key wins. */
  void put(byte[] key, byte[] value) {
    int hash = KeyTable.hash(key);
    int slot = table.find(key, hash, this);
    if (slot >= 0) {
      values[slot] = value;
      return;
    }
    if (count == keys.length) {
      keys = Arrays.copyOf(keys, count * 2);
      values = Arrays.copyOf(values, count * 2);
    }
    keys[count] = key;
    values[count] = value;
    table.insert(hash, count);
    count++;
    sorted = null;
  }

  /** The slots in ascending key order; the caller must not modify the array. */
  int[] sortedSlots() {
    if (sorted == null) {
      int[] slots = new int[count];
      long[] prefixes = new long[count];
      for (int i = 0; i < count; i++) {
        slots[i] = i;
        prefixes[i] = KeyOrder.prefix(keys[i]);
      }
      KeyOrder.sortByKey(slots, prefixes, keys, count);
      sorted = slots;
    }
    return sorted;
  }

  /**
   * The writes in a range, in its direction, as they are now: a cursor keeps iterating this copy
   * while the transaction goes on writing.
   */
  Iterator<Map.Entry<byte[], byte[]>> entries(KeyRange range) {
    List<Map.Entry<byte[], byte[]>> inRange = new ArrayList<>();
    for (int slot : sortedSlots()) {
      if (range.contains(keys[slot])) {
        inRange.add(Map.entry(keys[slot], values[slot]));
      }
    }
    if (range.isReversed()) {
      Collections.reverse(inRange);
    }
    return inRange.iterator();
  }
}
