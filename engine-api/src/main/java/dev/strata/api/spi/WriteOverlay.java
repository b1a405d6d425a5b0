package dev.strata.api.spi;

import dev.strata.api.KeyRange;
import java.util.Comparator;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * For engines whose write transaction keeps its uncommitted writes in an overlay over the state it
 * reads: the marker of a deleted key, and the merge of the overlay with that state that the
 * transaction's cursors iterate.
 */
public final class WriteOverlay {
  /**
   * Marks a key the transaction deleted, as the overlay's value; compared by identity, never
   * returned to a caller. The array is empty, so no one can change it.
   */
  public static final byte[] TOMBSTONE = new byte[0];

  private WriteOverlay() {}

  /**
   * Merges the overlay's entries with the base state's, both in {@code range}'s order: on equal
   * keys the overlay wins, and an overlay entry whose value is {@link #TOMBSTONE} hides the key.
   * Neither iterator may hold a tombstone from elsewhere: the base's entries are all returned. The
   * entries returned are the iterators' own (not copied) and must not be modified. Not thread-safe,
   * like the iterators it reads.
   *
   * @param own the overlay's entries inside {@code range}, in the range's direction
   * @param base the base state's entries inside {@code range}, in the range's direction
   * @param range the range both iterators cover; its direction sets the merge order
   * @param <V> the values' type: {@code byte[]}, or an engine's lazily read value
   * @return the merged entries
   */
  public static <V> Iterator<Map.Entry<byte[], V>> merge(
      Iterator<? extends Map.Entry<byte[], ? extends V>> own,
      Iterator<? extends Map.Entry<byte[], ? extends V>> base,
      KeyRange range) {
    Comparator<byte[]> order =
        range.isReversed() ? (a, b) -> KeyRange.compare(b, a) : KeyRange::compare;
    return new Merge<>(own, base, order);
  }

  private static final class Merge<V> implements Iterator<Map.Entry<byte[], V>> {
    private final Iterator<? extends Map.Entry<byte[], ? extends V>> own;
    private final Iterator<? extends Map.Entry<byte[], ? extends V>> base;
    private final Comparator<byte[]> order;
    private Map.Entry<byte[], ? extends V> ownHead;
    private Map.Entry<byte[], ? extends V> baseHead;
    private Map.Entry<byte[], ? extends V> next;

    Merge(
        Iterator<? extends Map.Entry<byte[], ? extends V>> own,
        Iterator<? extends Map.Entry<byte[], ? extends V>> base,
        Comparator<byte[]> order) {
      this.own = own;
      this.base = base;
      this.order = order;
    }

    @Override
    public boolean hasNext() {
      while (next == null) {
        if (ownHead == null && own.hasNext()) {
          ownHead = own.next();
        }
        if (baseHead == null && base.hasNext()) {
          baseHead = base.next();
        }
        if (ownHead == null && baseHead == null) {
          return false;
        }
        int c =
            ownHead == null
                ? 1
                : baseHead == null ? -1 : order.compare(ownHead.getKey(), baseHead.getKey());
        if (c <= 0) {
          if (ownHead.getValue() != TOMBSTONE) {
            next = ownHead;
          }
          ownHead = null;
          if (c == 0) {
            baseHead = null;
          }
        } else {
          next = baseHead;
          baseHead = null;
        }
      }
      return true;
    }

    @Override
    // Safe: entries are only read, and a value of a subtype of V is a V.
    @SuppressWarnings("unchecked")
    public Map.Entry<byte[], V> next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      Map.Entry<byte[], V> e = (Map.Entry<byte[], V>) next;
      next = null;
      return e;
    }
  }
}
