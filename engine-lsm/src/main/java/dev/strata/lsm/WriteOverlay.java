package dev.strata.lsm;

import dev.strata.api.KeyRange;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * The writes of one write transaction as its reads see them: a sorted map from key to value (or
 * {@link #TOMBSTONE}) plus the ranges the transaction deleted. Together with the database it
 * answers every read of the transaction, so the batch that commits can stay a plain {@code
 * WriteBatch} (append-only, no index) — what a raw RocksDB user writes.
 *
 * <p>A range deletion removes the map's entries inside the range and records the range; a later
 * write puts its key back into the map. So a key present in the map was written after every
 * recorded range that covers it, and a key absent from the map but inside a recorded range is
 * deleted. This is the order RocksDB applies the batch in at commit (later entries win).
 *
 * <p>Keys and values are copied in; the caller's arrays stay the caller's. Not thread-safe; it
 * belongs to its transaction.
 */
final class WriteOverlay {
  /** The value of a deleted key; compared by identity. */
  static final byte[] TOMBSTONE = new byte[0];

  private final TreeMap<byte[], byte[]> entries = new TreeMap<>(KeyRange::compare);
  private final List<KeyRange> deletedRanges = new ArrayList<>();

  /** Whether the transaction wrote nothing reads must see. */
  boolean isEmpty() {
    return entries.isEmpty() && deletedRanges.isEmpty();
  }

  void put(byte[] key, byte[] value) {
    entries.put(key.clone(), value.clone());
  }

  void delete(byte[] key) {
    entries.put(key.clone(), TOMBSTONE);
  }

  /** Records a non-empty ascending range as deleted. */
  void deleteRange(KeyRange range) {
    byte[] from = range.lowerBound();
    byte[] to = range.upperBound();
    NavigableMap<byte[], byte[]> inside =
        from == null
            ? (to == null ? entries : entries.headMap(to, false))
            : (to == null ? entries.tailMap(from, true) : entries.subMap(from, true, to, false));
    inside.clear();
    deletedRanges.add(range.isReversed() ? range.reversed() : range);
  }

  /**
   * The transaction's own entry for {@code key}: the stored value, {@link #TOMBSTONE} when the
   * transaction deleted it, or null when the database's value shows through. The returned array is
   * the overlay's: callers copy it before handing it out.
   */
  byte[] lookup(byte[] key) {
    byte[] value = entries.get(key);
    if (value != null) {
      return value;
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
   * {@code after} is null), or null.
   */
  Map.Entry<byte[], byte[]> following(byte[] after, byte[] startInclusive, boolean reversed) {
    if (after != null) {
      return reversed ? entries.lowerEntry(after) : entries.higherEntry(after);
    }
    if (startInclusive == null) {
      return reversed ? entries.lastEntry() : entries.firstEntry();
    }
    // Reversed ranges start below their exclusive upper bound.
    return reversed ? entries.lowerEntry(startInclusive) : entries.ceilingEntry(startInclusive);
  }
}
