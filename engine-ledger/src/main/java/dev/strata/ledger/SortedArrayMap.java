package dev.strata.ledger;

import dev.strata.api.KeyRange;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.SortedMap;

/**
 * A read-once sorted view over keys already in order, so that {@code new
 * ConcurrentSkipListMap<>(sortedMap)} builds the index in linear time when a checkpoint loads
 * (inserting ten million keys one by one costs seconds). Only what that constructor calls is
 * supported.
 */
final class SortedArrayMap extends AbstractMap<byte[], IndexEntry>
    implements SortedMap<byte[], IndexEntry> {
  private static final String ONLY_BULK_LOAD =
      "SortedArrayMap only feeds ConcurrentSkipListMap's sorted-map constructor";

  private final List<byte[]> keys;
  private final List<IndexEntry> values;

  SortedArrayMap(List<byte[]> keys, List<IndexEntry> values) {
    this.keys = keys;
    this.values = values;
  }

  @Override
  public Comparator<? super byte[]> comparator() {
    return KeyRange::compare;
  }

  @Override
  public Set<Map.Entry<byte[], IndexEntry>> entrySet() {
    return new AbstractSet<>() {
      @Override
      public Iterator<Map.Entry<byte[], IndexEntry>> iterator() {
        return new Iterator<>() {
          private int next;

          @Override
          public boolean hasNext() {
            return next < keys.size();
          }

          @Override
          public Map.Entry<byte[], IndexEntry> next() {
            if (next >= keys.size()) {
              throw new NoSuchElementException();
            }
            int i = next++;
            return new SimpleImmutableEntry<>(keys.get(i), values.get(i));
          }
        };
      }

      @Override
      public int size() {
        return keys.size();
      }
    };
  }

  @Override
  public SortedMap<byte[], IndexEntry> subMap(byte[] fromKey, byte[] toKey) {
    throw new UnsupportedOperationException(ONLY_BULK_LOAD);
  }

  @Override
  public SortedMap<byte[], IndexEntry> headMap(byte[] toKey) {
    throw new UnsupportedOperationException(ONLY_BULK_LOAD);
  }

  @Override
  public SortedMap<byte[], IndexEntry> tailMap(byte[] fromKey) {
    throw new UnsupportedOperationException(ONLY_BULK_LOAD);
  }

  @Override
  public byte[] firstKey() {
    return keys.get(0);
  }

  @Override
  public byte[] lastKey() {
    return keys.get(keys.size() - 1);
  }
}
