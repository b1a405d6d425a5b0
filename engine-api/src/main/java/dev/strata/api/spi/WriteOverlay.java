package dev.strata.api.spi;

import dev.strata.api.KeyRange;
import dev.strata.api.Limits;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.function.Function;

/**
 * For engine implementers whose write transaction keeps its uncommitted writes in an overlay over
 * the state it reads: the validated pending writes themselves (the last value written per key, or
 * {@link #TOMBSTONE} for a delete), and the merge of the overlay with the base state that the
 * transaction's cursors iterate ({@link #merge}, with {@link EntryCursor}).
 *
 * <p>Writes live in arrays indexed by slot, found through an open-addressing hash table, and are
 * sorted only when asked ({@link #sortedSlots()}), once per commit, instead of keeping a sorted map
 * through every put. A cursor iterates a copy of the writes in its range taken when it opens
 * ({@link #entries}), so it sees the writes made before it was opened and none made while it
 * iterates.
 *
 * <p>Not thread-safe: a transaction belongs to one thread at a time. Arrays: {@link #put} and
 * {@link #delete} copy the caller's arrays; keys and values handed out are the overlay's own and
 * must not be modified (return copies to users).
 */
public final class WriteOverlay {
  /**
   * Marks a key the transaction deleted, as the overlay's value; compared by identity, never
   * returned to a caller. The array is empty, so no one can change it.
   */
  public static final byte[] TOMBSTONE = new byte[0];

  private final Runnable checkActive;
  private byte[][] keys = new byte[8][];
  private byte[][] values = new byte[8][];
  private int count;
  private long logicalBytes;

  /**
   * Open addressing, linear probing: {@code slot + 1} per entry, 0 for empty; at most half full.
   */
  private int[] table = new int[16];

  private int[] hashes = new int[8];
  private int[] sorted;

  /**
   * Creates an empty overlay.
   *
   * @param checkActive run by {@link #put} and {@link #delete} after their arguments are validated
   *     and before the write is recorded: it throws (typically {@link
   *     dev.strata.api.TransactionClosedException}) when the owning transaction has ended
   */
  public WriteOverlay(Runnable checkActive) {
    this.checkActive = checkActive;
  }

  /**
   * Records a put after validating it; the last write per key wins.
   *
   * @param key the key; copied
   * @param value the value; copied
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the key or value breaks {@link Limits}
   */
  public void put(byte[] key, byte[] value) {
    Limits.checkKey(key);
    Limits.checkValue(value);
    checkActive.run();
    record(key.clone(), value.clone());
    logicalBytes += key.length + value.length;
  }

  /**
   * Records a delete after validating the key.
   *
   * @param key the key; copied
   * @throws NullPointerException if the key is null
   * @throws IllegalArgumentException if the key breaks {@link Limits}
   */
  public void delete(byte[] key) {
    Limits.checkKey(key);
    checkActive.run();
    record(key.clone(), TOMBSTONE);
    logicalBytes += key.length;
  }

  /**
   * The value last written for a key.
   *
   * @param key the key; not modified
   * @return null if the key was not written, {@link #TOMBSTONE} if it was deleted, else the
   *     overlay's own value array
   */
  public byte[] get(byte[] key) {
    int slot = find(key, KeyBytes.hash(key));
    return slot < 0 ? null : values[slot];
  }

  /**
   * Reads a key as the transaction sees it: a copy of the value it wrote, null if it deleted the
   * key, else what the committed state holds.
   *
   * @param key the key; not modified
   * @param committed reads the key from the state the transaction began on
   * @return a new array that belongs to the caller, or null
   */
  public byte[] read(byte[] key, Function<byte[], byte[]> committed) {
    byte[] own = get(key);
    if (own != null) {
      return own == TOMBSTONE ? null : own.clone();
    }
    return committed.apply(key);
  }

  /**
   * Number of distinct keys written.
   *
   * @return the count
   */
  public int size() {
    return count;
  }

  /**
   * Bytes of keys and values written, counting every put and delete (a rewrite counts again).
   *
   * @return the logical bytes for the write-amplification meter
   */
  public long logicalBytes() {
    return logicalBytes;
  }

  /**
   * The key of a slot.
   *
   * @param slot {@code 0 <= slot < size()}
   * @return the overlay's own array
   */
  public byte[] key(int slot) {
    return keys[slot];
  }

  /**
   * The value of a slot: {@link #TOMBSTONE} for a delete.
   *
   * @param slot {@code 0 <= slot < size()}
   * @return the overlay's own array
   */
  public byte[] value(int slot) {
    return values[slot];
  }

  /**
   * The slots in ascending key order, sorted once and kept until the next new key.
   *
   * @return the overlay's own array; the caller must not modify it
   */
  public int[] sortedSlots() {
    if (sorted == null) {
      int[] slots = new int[count];
      long[] prefixes = new long[count];
      for (int i = 0; i < count; i++) {
        slots[i] = i;
        prefixes[i] = KeyBytes.prefix(keys[i]);
      }
      KeyBytes.sortByKey(slots, prefixes, keys, count);
      sorted = slots;
    }
    return sorted;
  }

  /**
   * The writes in a range, in its direction, as they are now: a cursor keeps iterating this copy
   * while the transaction goes on writing. Values include {@link #TOMBSTONE}s, for {@link #merge}.
   *
   * @param range the range
   * @return the entries; keys and values are the overlay's own
   */
  public Iterator<Map.Entry<byte[], byte[]>> entries(KeyRange range) {
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

  private void record(byte[] key, byte[] value) {
    int hash = KeyBytes.hash(key);
    int slot = find(key, hash);
    if (slot >= 0) {
      values[slot] = value;
      return;
    }
    if (count == keys.length) {
      keys = Arrays.copyOf(keys, count * 2);
      values = Arrays.copyOf(values, count * 2);
      hashes = Arrays.copyOf(hashes, count * 2);
    }
    keys[count] = key;
    values[count] = value;
    hashes[count] = hash;
    if (2 * (count + 1) > table.length) {
      grow();
    }
    place(table, hash, count);
    count++;
    sorted = null;
  }

  private int find(byte[] key, int hash) {
    int mask = table.length - 1;
    for (int i = hash & mask; ; i = (i + 1) & mask) {
      int entry = table[i];
      if (entry == 0) {
        return -1;
      }
      int slot = entry - 1;
      if (hashes[slot] == hash && Arrays.equals(keys[slot], key)) {
        return slot;
      }
    }
  }

  private void grow() {
    int[] bigger = new int[table.length * 2];
    for (int slot = 0; slot < count; slot++) {
      place(bigger, hashes[slot], slot);
    }
    table = bigger;
  }

  private static void place(int[] table, int hash, int slot) {
    int mask = table.length - 1;
    int i = hash & mask;
    while (table[i] != 0) {
      i = (i + 1) & mask;
    }
    table[i] = slot + 1;
  }

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
