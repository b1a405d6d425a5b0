package dev.strata.lsm;

import dev.strata.api.KeyRange;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Every write of one write transaction, held on the Java heap until commit: the last value (or
 * {@link #TOMBSTONE}) of every key the transaction wrote, plus the ranges it deleted. It answers
 * the transaction's reads of its own writes, and at commit it is written out as one RocksDB batch
 * ({@link #writeTo}) holding each key once, in key order.
 *
 * <p>Point reads and writes go through a hash map: one hash and one equality check per call, which
 * is what a read-modify-write workload (a Kafka Streams count) pays on every record. The sorted
 * view cursors and range deletions need is a tree map built on the first such call and brought up
 * to date lazily: keys first written since it was last needed wait in a list, so a transaction that
 * only reads and writes single keys never sorts anything until it commits.
 *
 * <p>A range deletion removes the entries inside the range and records the range; a later write
 * puts its key back. So a key present here was written after every recorded range that covers it,
 * and a key absent here but inside a recorded range is deleted. Written out, the ranges come first
 * and the entries after them, which gives RocksDB (later entries win) the same final state as the
 * order the calls were made in.
 *
 * <p>Keys and values are copied in; the caller's arrays stay the caller's. Not thread-safe; it
 * belongs to its transaction.
 */
final class WriteOverlay {
  /** The value of a deleted key; compared by identity. */
  static final byte[] TOMBSTONE = new byte[0];

  /**
   * Heap bytes one entry costs beyond its key and value: the entry, two to four hash-table slots, a
   * tree node once sorted, and the array headers (64-bit JVM, compressed references), rounded up.
   */
  static final long ENTRY_OVERHEAD_BYTES = 128;

  /** One key the transaction wrote and its latest value; shared by the hash and the tree map. */
  static final class Entry {
    final byte[] key;
    final int hash;
    byte[] value;

    Entry(byte[] key, int hash, byte[] value) {
      this.key = key;
      this.hash = hash;
      this.value = value;
    }
  }

  /** Open addressing, linear probing; the length is a power of two, at most half full. */
  private Entry[] table = new Entry[64];

  private int size;

  /** The entries in key order; null until first needed. */
  private TreeMap<byte[], Entry> sorted;

  /** Entries added since {@link #sorted} was last brought up to date. */
  private final List<Entry> unsorted = new ArrayList<>();

  private final List<KeyRange> deletedRanges = new ArrayList<>();

  /** Whether the transaction wrote nothing reads must see and nothing a commit must write. */
  boolean isEmpty() {
    return size == 0 && deletedRanges.isEmpty();
  }

  void put(byte[] key, byte[] value) {
    write(key, value.clone());
  }

  void delete(byte[] key) {
    write(key, TOMBSTONE);
  }

  private void write(byte[] key, byte[] ownValue) {
    int hash = hash(key);
    int mask = table.length - 1;
    int slot = hash & mask;
    for (Entry e = table[slot]; e != null; e = table[slot = (slot + 1) & mask]) {
      if (e.hash == hash && Arrays.equals(e.key, key)) {
        e.value = ownValue;
        return;
      }
    }
    Entry added = new Entry(key.clone(), hash, ownValue);
    table[slot] = added;
    if (++size * 2 > table.length) {
      rehash(table.length * 2);
    }
    if (sorted != null) {
      unsorted.add(added);
    }
  }

  private Entry find(byte[] key) {
    int hash = hash(key);
    int mask = table.length - 1;
    int slot = hash & mask;
    for (Entry e = table[slot]; e != null; e = table[slot = (slot + 1) & mask]) {
      if (e.hash == hash && Arrays.equals(e.key, key)) {
        return e;
      }
    }
    return null;
  }

  /** Rebuilds the table at {@code capacity} slots from its live entries. */
  private void rehash(int capacity) {
    Entry[] old = table;
    table = new Entry[capacity];
    int mask = capacity - 1;
    for (Entry e : old) {
      if (e != null) {
        int slot = e.hash & mask;
        while (table[slot] != null) {
          slot = (slot + 1) & mask;
        }
        table[slot] = e;
      }
    }
  }

  private static int hash(byte[] key) {
    int h = Arrays.hashCode(key);
    // Spread the high bits: the table index uses the low ones.
    return h ^ (h >>> 16);
  }

  /** Records a non-empty range as deleted and drops the entries inside it. */
  void deleteRange(KeyRange range) {
    byte[] from = range.lowerBound();
    byte[] to = range.upperBound();
    TreeMap<byte[], Entry> all = sortedView();
    NavigableMap<byte[], Entry> inside =
        from == null
            ? (to == null ? all : all.headMap(to, false))
            : (to == null ? all.tailMap(from, true) : all.subMap(from, true, to, false));
    if (!inside.isEmpty()) {
      inside.clear();
      // Linear probing cannot drop entries in place; rebuild from what the sorted view kept.
      table = new Entry[table.length];
      size = 0;
      int mask = table.length - 1;
      for (Entry e : all.values()) {
        int slot = e.hash & mask;
        while (table[slot] != null) {
          slot = (slot + 1) & mask;
        }
        table[slot] = e;
        size++;
      }
    }
    deletedRanges.add(range.isReversed() ? range.reversed() : range);
  }

  /**
   * The transaction's own entry for {@code key}: the stored value, {@link #TOMBSTONE} when the
   * transaction deleted it, or null when the database's value shows through. The returned array is
   * the overlay's: callers copy it before handing it out.
   */
  byte[] lookup(byte[] key) {
    Entry e = find(key);
    if (e != null) {
      return e.value;
    }
    return inDeletedRange(key) ? TOMBSTONE : null;
  }

  /** Whether a key the map does not hold lies in a range the transaction deleted. */
  boolean inDeletedRange(byte[] key) {
    for (KeyRange r : deletedRanges) {
      if (r.contains(key)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The first entry strictly after {@code after} in the direction of travel (from the start when
   * {@code after} is null), or null. The entry is the overlay's: callers copy its arrays.
   */
  Entry following(byte[] after, byte[] startInclusive, boolean reversed) {
    TreeMap<byte[], Entry> all = sortedView();
    Map.Entry<byte[], Entry> found;
    if (after != null) {
      found = reversed ? all.lowerEntry(after) : all.higherEntry(after);
    } else if (startInclusive == null) {
      found = reversed ? all.lastEntry() : all.firstEntry();
    } else {
      // Reversed ranges start below their exclusive upper bound.
      found = reversed ? all.lowerEntry(startInclusive) : all.ceilingEntry(startInclusive);
    }
    return found == null ? null : found.getValue();
  }

  /** The ranges the transaction deleted, in the order it deleted them. */
  List<KeyRange> deletedRanges() {
    return deletedRanges;
  }

  /**
   * Passes every entry to {@code sink} in ascending key order. Without a sorted view yet, the
   * entries are sorted once here rather than through a tree.
   */
  void forEachInKeyOrder(Consumer<Entry> sink) {
    if (sorted != null) {
      sortedView().values().forEach(sink);
      return;
    }
    Entry[] entries = new Entry[size];
    int n = 0;
    for (Entry e : table) {
      if (e != null) {
        entries[n++] = e;
      }
    }
    Arrays.sort(entries, (a, b) -> KeyRange.compare(a.key, b.key));
    for (Entry e : entries) {
      sink.accept(e);
    }
  }

  private TreeMap<byte[], Entry> sortedView() {
    if (sorted == null) {
      sorted = new TreeMap<>(KeyRange::compare);
      for (Entry e : table) {
        if (e != null) {
          sorted.put(e.key, e);
        }
      }
      return sorted;
    }
    if (!unsorted.isEmpty()) {
      for (Entry e : unsorted) {
        sorted.put(e.key, e);
      }
      unsorted.clear();
    }
    return sorted;
  }
}
