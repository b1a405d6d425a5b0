package dev.strata.ledger.index;

import dev.strata.api.spi.KeyBytes;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * An open-addressing hash table from byte-array keys to dense ids, for one writer and any number of
 * concurrent readers. Keys are never removed. Each slot is one {@code long}: the key's 32-bit hash
 * above {@code id + 1} (0 marks an empty slot), so a probe touches one cache line and compares key
 * bytes only when the hashes match, and growing re-slots without reading a key.
 *
 * <p>The writer stores a slot with release semantics after it has stored everything the id leads
 * to; a reader loads slots with acquire semantics, so an id it finds is fully published. Growth
 * builds a new slot array and publishes it through a volatile field: a reader still probing the old
 * one misses only keys inserted after it loaded that array, which no snapshot it holds can contain.
 */
public final class KeyHashTable {
  /** The bytes of the key an id stands for; must see every id the table has published. */
  public interface Keys {
    byte[] key(int id);
  }

  private static final VarHandle SLOTS = MethodHandles.arrayElementVarHandle(long[].class);
  private static final int MIN_CAPACITY = 16;

  private volatile long[] slots;
  private int count;

  /** A table sized for {@code expected} keys without growing. */
  public KeyHashTable(int expected) {
    int capacity = MIN_CAPACITY;
    while (capacity < 2L * expected && capacity < 1 << 30) {
      capacity <<= 1;
    }
    slots = new long[capacity];
  }

  /** A well-mixed 32-bit hash of a key, 8 bytes at a time. */
  public static int hash(byte[] key) {
    return KeyBytes.hash(key);
  }

  /**
   * Finds a key's id.
   *
   * @param hash {@link #hash(byte[]) hash(key)}
   * @return the id, or -1 when the key is absent
   */
  public int find(byte[] key, int hash, Keys keys) {
    long[] table = slots;
    int mask = table.length - 1;
    for (int i = hash & mask; ; i = (i + 1) & mask) {
      long slot = (long) SLOTS.getAcquire(table, i);
      if (slot == 0) {
        return -1;
      }
      if ((int) (slot >>> 32) == hash) {
        int id = (int) slot - 1;
        if (Arrays.equals(keys.key(id), key)) {
          return id;
        }
      }
    }
  }

  /**
   * Finds the ids of {@code n} keys, -1 for an absent one, in stages so that the cache misses of
   * different keys overlap: every key's first slot, then the key bytes its candidate id leads to,
   * then the comparison. A key whose first slot holds another key is probed on as in {@link #find}.
   */
  void findAll(byte[][] keys, int n, int[] ids, Keys source) {
    long[] table = slots;
    int mask = table.length - 1;
    int[] hashes = new int[n];
    long[] first = new long[n];
    for (int i = 0; i < n; i++) {
      hashes[i] = hash(keys[i]);
      first[i] = (long) SLOTS.getAcquire(table, hashes[i] & mask);
    }
    byte[][] candidates = new byte[n][];
    for (int i = 0; i < n; i++) {
      if (first[i] != 0 && (int) (first[i] >>> 32) == hashes[i]) {
        candidates[i] = source.key((int) first[i] - 1);
      }
    }
    for (int i = 0; i < n; i++) {
      if (candidates[i] != null && Arrays.equals(candidates[i], keys[i])) {
        ids[i] = (int) first[i] - 1;
      } else {
        ids[i] = first[i] == 0 ? -1 : find(keys[i], hashes[i], source);
      }
    }
  }

  /**
   * Adds an id for a key that is not in the table; writer only. Everything {@code id} leads to must
   * already be stored.
   */
  public void insert(int hash, int id) {
    if (2 * (count + 1) > slots.length) {
      grow();
    }
    place(slots, hash, id);
    count++;
  }

  private static void place(long[] table, int hash, int id) {
    int mask = table.length - 1;
    int i = hash & mask;
    while ((long) SLOTS.getOpaque(table, i) != 0) {
      i = (i + 1) & mask;
    }
    SLOTS.setRelease(table, i, (long) hash << 32 | (id + 1L));
  }

  private void grow() {
    long[] old = slots;
    if (old.length >= 1 << 30) {
      throw new IllegalStateException("key table is full at " + count + " keys");
    }
    long[] bigger = new long[old.length * 2];
    for (long slot : old) {
      if (slot != 0) {
        place(bigger, (int) (slot >>> 32), (int) slot - 1);
      }
    }
    slots = bigger;
  }

  /** Heap bytes of the slot array. */
  long memoryBytes() {
    return 16 + 8L * slots.length;
  }
}
