package dev.strata.ledger.index;

import dev.strata.api.KeyRange;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * The ledger's key index: key to its latest entry (sequence number, log position, tombstone). Keys
 * get dense ids in the order they first appear and are never removed; per id the index keeps the
 * key array and two {@code long}s in parallel arrays (no object per key). Point lookups go through
 * a {@link KeyHashTable}; ordered scans through a {@link KeyOrder} that only new keys enter, a
 * batch per commit ({@link #publishOrder()}), so an update of a known key costs one hash probe and
 * two array stores.
 *
 * <p>Thread safety: one writer (the engine's write path, or recovery before the engine exists) and
 * any number of lock-free readers. Everything a new id leads to is stored before the id is
 * published, and the engine publishes a commit only after indexing it, so a reader finds every key
 * of its snapshot; it may also see newer entries, which it resolves back through {@code prevSeq}.
 * The two words of an entry are updated under a per-key sequence lock whose stamp is the version
 * word itself ({@code seq << 1 | tombstone}, strictly increasing per key, so a reader can never
 * mistake a later update for the one it started with): a reader never sees one entry's sequence
 * number with another's position.
 *
 * <p>Arrays: keys passed in become the index's (the caller passes copies); keys handed out are the
 * index's own and must not be modified.
 */
public final class KeyIndex implements KeyHashTable.Keys {
  private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);

  /** Marks an entry the writer is changing; no version word is negative. */
  private static final long BUSY = -1;

  private static final int MIN_CAPACITY = 64;

  /** Pending new keys that a long replay enters into the order without being asked. */
  private static final int PUBLISH_AT = 1 << 16;

  /**
   * Per-id arrays, replaced together (never shrunk) when they grow. An id's version word and
   * position sit side by side ({@code entries[2 id]}, {@code entries[2 id + 1]}), so reading an
   * entry costs one cache miss, not two.
   */
  private static final class Columns {
    final byte[][] keys;
    final long[] entries;

    Columns(byte[][] keys, long[] entries) {
      this.keys = keys;
      this.entries = entries;
    }

    int capacity() {
      return keys.length;
    }

    Columns grownTo(int capacity) {
      return new Columns(Arrays.copyOf(keys, capacity), Arrays.copyOf(entries, 2 * capacity));
    }
  }

  private volatile Columns columns;
  private volatile int size;
  private final KeyHashTable table;
  private final KeyOrder order;
  private volatile long keyHeapBytes;

  /** Ids added but not yet in the key order; writer only. */
  private int[] unordered = new int[16];

  private int unorderedCount;

  /** An empty index. */
  public KeyIndex() {
    columns = new Columns(new byte[MIN_CAPACITY][], new long[2 * MIN_CAPACITY]);
    table = new KeyHashTable(0);
    order = new KeyOrder();
  }

  /**
   * An index over {@code n} keys in strictly ascending order, as a checkpoint stores them: built in
   * linear time (one run, no sorting). Takes ownership of the arrays.
   */
  public KeyIndex(byte[][] sortedKeys, long[] words, long[] positions, int n) {
    int capacity = Math.max(MIN_CAPACITY, n);
    long[] entries = new long[2 * capacity];
    for (int i = 0; i < n; i++) {
      entries[2 * i] = words[i];
      entries[2 * i + 1] = positions[i];
    }
    columns = new Columns(Arrays.copyOf(sortedKeys, capacity), entries);
    table = new KeyHashTable(n);
    long heap = 0;
    for (int i = 0; i < n; i++) {
      table.insert(KeyHashTable.hash(sortedKeys[i]), i);
      heap += arrayBytes(sortedKeys[i].length);
    }
    order = new KeyOrder(sortedKeys, n);
    keyHeapBytes = heap;
    size = n;
  }

  /** The version word of an entry: its sequence number and whether it is a tombstone. */
  static long word(long seq, boolean deleted) {
    return seq << 1 | (deleted ? 1 : 0);
  }

  /** The sequence number packed in a version word ({@code seq << 1 | tombstone}). */
  public static long seqOf(long word) {
    return word >>> 1;
  }

  /** Whether a version word marks a tombstone. */
  public static boolean deletedOf(long word) {
    return (word & 1) != 0;
  }

  /** Number of keys. */
  public int size() {
    return size;
  }

  /** The key bytes of an id; the index's own array. */
  @Override
  public byte[] key(int id) {
    return columns.keys[id];
  }

  /** The id of a key, or -1. */
  int find(byte[] key) {
    return table.find(key, KeyHashTable.hash(key), this);
  }

  /**
   * Finds the ids of {@code n} keys at once, -1 for an absent one; writer only. The probes of all
   * keys are issued before any is finished, stage by stage (first slot, key reference, key bytes),
   * so their cache misses overlap instead of queuing one behind another: updating random keys of a
   * large index is bound by those misses.
   */
  public void findAll(byte[][] keys, int n, int[] ids) {
    table.findAll(keys, n, ids, this);
  }

  /** The latest entry of a key, or null if it was never written. */
  public IndexEntry get(byte[] key) {
    int id = find(key);
    return id < 0 ? null : entry(id);
  }

  /** The latest entry of an id, read consistently while the writer may update it. */
  public IndexEntry entry(int id) {
    Columns c = columns;
    for (int spins = 1; ; spins++) {
      long before = (long) LONGS.getAcquire(c.entries, 2 * id);
      long position = (long) LONGS.getAcquire(c.entries, 2 * id + 1);
      long after = (long) LONGS.getAcquire(c.entries, 2 * id);
      if (before == after && before != BUSY) {
        return new IndexEntry(seqOf(before), position, deletedOf(before));
      }
      // The writer holds an entry busy for two stores; only a descheduled writer makes this wait.
      if (spins % 64 == 0) {
        Thread.yield();
      } else {
        Thread.onSpinWait();
      }
    }
  }

  /** The version word of an id; writer only. */
  public long wordOf(int id) {
    return columns.entries[2 * id];
  }

  /** The log position of an id's latest entry; writer only. */
  public long positionOf(int id) {
    return columns.entries[2 * id + 1];
  }

  /** Points a known key at a newer entry; writer only. */
  public void update(int id, long seq, long position, boolean deleted) {
    Columns c = columns;
    LONGS.setOpaque(c.entries, 2 * id, BUSY);
    LONGS.setRelease(c.entries, 2 * id + 1, position);
    LONGS.setRelease(c.entries, 2 * id, word(seq, deleted));
  }

  /**
   * Adds a key that is not in the index; writer only.
   *
   * @param key the key; the index keeps this array
   * @return its id
   */
  public int add(byte[] key, long seq, long position, boolean deleted) {
    int id = size;
    Columns c = columns;
    if (id == c.capacity()) {
      if (id == Integer.MAX_VALUE - 8) {
        throw new IllegalStateException("the ledger index is full at " + id + " keys");
      }
      c = c.grownTo((int) Math.min(Integer.MAX_VALUE - 8, 2L * id));
      columns = c;
    }
    c.keys[id] = key;
    c.entries[2 * id] = word(seq, deleted);
    c.entries[2 * id + 1] = position;
    keyHeapBytes += arrayBytes(key.length);
    // The table publishes the id with release semantics; the order takes it at the next publish.
    table.insert(KeyHashTable.hash(key), id);
    if (unorderedCount == unordered.length) {
      if (unorderedCount >= PUBLISH_AT) {
        publishOrder();
      } else {
        unordered = Arrays.copyOf(unordered, 2 * unorderedCount);
      }
    }
    unordered[unorderedCount++] = id;
    size = id + 1;
    return id;
  }

  /**
   * Enters the keys added since the last call into the key order, one batch; writer only. Scans see
   * a key only from then on, so the writer calls this before it publishes a commit.
   */
  public void publishOrder() {
    order.addAll(unordered, unorderedCount, columns.keys);
    unorderedCount = 0;
  }

  /**
   * Points a key at a newer entry, adding it if new; writer only. Costs one hash probe. A new key
   * reaches scans at the next {@link #publishOrder()}.
   *
   * @param key the key; kept by the index if new
   * @return the previous version word, or -1 if the key is new
   */
  public long put(byte[] key, long seq, long position, boolean deleted) {
    int id = find(key);
    if (id < 0) {
      add(key, seq, position, deleted);
      return -1;
    }
    long previous = wordOf(id);
    update(id, seq, position, deleted);
    return previous;
  }

  /** Merges the key order into one run, before a full scan; writer only. */
  public void compact() {
    publishOrder();
    order.compact(columns.keys);
  }

  /** The ids of the keys in a range, in its direction, from the state published now. */
  public KeyOrder.Scan scan(KeyRange range) {
    KeyOrder.Run[] runs = order.runs();
    // Loaded after the runs: the writer grows the columns before it publishes a run holding a new
    // id, so these cover every id the runs hold.
    byte[][] keys = columns.keys;
    return new KeyOrder.Scan(
        runs, keys, range.lowerBound(), range.upperBound(), range.isReversed());
  }

  /**
   * Heap bytes the index holds: the per-id arrays at their capacity, the key arrays, the hash table
   * and the runs. Measured against the heap by {@code LedgerBench open-only}.
   */
  public long memoryBytes() {
    Columns c = columns;
    long columnBytes = 2 * 16L + (4L + 8 + 8) * c.capacity();
    return columnBytes + keyHeapBytes + table.memoryBytes() + order.memoryBytes();
  }

  /** Heap bytes of a byte array: a 16-byte header, rounded up to 8. */
  private static long arrayBytes(int length) {
    return (16L + length + 7) & ~7L;
  }
}
