package dev.strata.ledger.index;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.KeyRange;
import dev.strata.api.spi.WriteOverlay;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * {@link KeyIndex} (with its {@link KeyHashTable} and {@link KeyOrder}) and the write transaction's
 * {@link WriteOverlay} against a {@link TreeMap} model, and {@link KeyIndex} read by concurrent
 * threads while one writer changes it. Seeded; every failure message carries the seed.
 */
class KeyIndexTest {
  /** A test's seed, the failure-message prefix that names it, and its random source. */
  private record Seeded(long seed, String why, SplittableRandom random) {
    static Seeded fromProperty() {
      long seed = Long.getLong("strata.test.seed", System.nanoTime());
      String why = "seed " + seed + " (rerun with -Dstrata.test.seed=" + seed + ")";
      System.out.println("KeyIndexTest " + why);
      return new Seeded(seed, why, new SplittableRandom(seed));
    }
  }

  /** Short keys over a small alphabet: many shared prefixes, keys shorter than 8 bytes, ties. */
  private static byte[] randomKey(SplittableRandom random) {
    int length = 1 + random.nextInt(random.nextBoolean() ? 4 : 20);
    byte[] key = new byte[length];
    for (int i = 0; i < length; i++) {
      key[i] = (byte) (random.nextInt(3) == 0 ? random.nextInt(256) : random.nextInt(3));
    }
    return key;
  }

  private static KeyRange randomRange(SplittableRandom random) {
    KeyRange range =
        switch (random.nextInt(5)) {
          case 0 -> KeyRange.all();
          case 1 -> KeyRange.atLeast(randomKey(random));
          case 2 -> KeyRange.below(randomKey(random));
          case 3 -> KeyRange.prefix(randomKey(random));
          default -> KeyRange.between(randomKey(random), randomKey(random));
        };
    return random.nextBoolean() ? range.reversed() : range;
  }

  private static List<byte[]> scanned(KeyIndex index, KeyRange range) {
    List<byte[]> keys = new ArrayList<>();
    if (range.isEmpty()) {
      return keys;
    }
    KeyOrder.Scan ids = index.scan(range);
    for (int id = ids.next(); id >= 0; id = ids.next()) {
      keys.add(index.key(id));
    }
    return keys;
  }

  private static List<byte[]> expected(NavigableMap<byte[], ?> model, KeyRange range) {
    List<byte[]> keys = new ArrayList<>();
    for (byte[] k : range.isReversed() ? model.descendingKeySet() : model.navigableKeySet()) {
      if (range.contains(k)) {
        keys.add(k);
      }
    }
    return keys;
  }

  private static void assertSameKeys(List<byte[]> expected, List<byte[]> actual, String why) {
    assertEquals(expected.size(), actual.size(), why);
    for (int i = 0; i < expected.size(); i++) {
      assertArrayEquals(expected.get(i), actual.get(i), why + " at " + i);
    }
  }

  @Test
  void putsGetsAndScans_matchASortedModel_acrossManyMerges() {
    Seeded seeded = Seeded.fromProperty();
    String why = seeded.why();
    SplittableRandom random = seeded.random();
    KeyIndex index = new KeyIndex();
    NavigableMap<byte[], long[]> model = new TreeMap<>(KeyRange::compare);
    long seq = 0;
    for (int step = 0; step < 40_000; step++) {
      byte[] key = randomKey(random);
      boolean deleted = random.nextInt(5) == 0;
      long position = random.nextLong(1L << 40);
      long previous = index.put(key.clone(), seq, position, deleted);
      long[] before = model.put(key, new long[] {seq, position, deleted ? 1 : 0});
      assertEquals(before == null ? -1 : KeyIndex.word(before[0], before[2] == 1), previous, why);
      seq++;
      if (random.nextInt(50) == 0) {
        index.publishOrder();
      }
      if (step % 997 == 0) {
        index.publishOrder();
        for (int r = 0; r < 20; r++) {
          KeyRange range = randomRange(random);
          assertSameKeys(expected(model, range), scanned(index, range), why + ", " + range);
        }
      }
    }
    assertEquals(model.size(), index.size(), why);
    for (Map.Entry<byte[], long[]> e : model.entrySet()) {
      IndexEntry got = index.get(e.getKey());
      assertEquals(e.getValue()[0], got.seq, why);
      assertEquals(e.getValue()[1], got.position, why);
      assertEquals(e.getValue()[2] == 1, got.deleted, why);
    }
    byte[][] batch = new byte[2_000][];
    for (int i = 0; i < batch.length; i++) {
      batch[i] = randomKey(random);
      assertEquals(model.containsKey(batch[i]), index.get(batch[i]) != null, why);
    }
    int[] ids = new int[batch.length];
    index.findAll(batch, batch.length, ids);
    for (int i = 0; i < batch.length; i++) {
      assertEquals(index.find(batch[i]), ids[i], why + ": batched lookup of key " + i);
      assertEquals(model.containsKey(batch[i]), ids[i] >= 0, why);
    }
    index.publishOrder();
    assertSameKeys(expected(model, KeyRange.all()), scanned(index, KeyRange.all()), why);
    index.compact();
    assertSameKeys(expected(model, KeyRange.all()), scanned(index, KeyRange.all()), why);
  }

  @Test
  void sortedLoad_isTheSameIndexAsIncrementalInserts() {
    Seeded seeded = Seeded.fromProperty();
    String why = seeded.why();
    SplittableRandom random = seeded.random();
    NavigableMap<byte[], long[]> model = new TreeMap<>(KeyRange::compare);
    for (int i = 0; i < 5_000; i++) {
      model.put(randomKey(random), new long[] {i, random.nextLong(1L << 40)});
    }
    int n = model.size();
    byte[][] keys = new byte[n][];
    long[] words = new long[n];
    long[] positions = new long[n];
    int i = 0;
    for (Map.Entry<byte[], long[]> e : model.entrySet()) {
      keys[i] = e.getKey();
      words[i] = KeyIndex.word(e.getValue()[0], false);
      positions[i++] = e.getValue()[1];
    }
    KeyIndex index = new KeyIndex(keys, words, positions, n);
    for (int added = 0; added < 3_000; added++) {
      byte[] key = randomKey(random);
      long position = random.nextLong(1L << 40);
      index.put(key.clone(), n + added, position, false);
      model.put(key, new long[] {n + added, position});
      if (random.nextInt(30) == 0) {
        index.publishOrder();
      }
    }
    index.publishOrder();
    for (int r = 0; r < 200; r++) {
      KeyRange range = randomRange(random);
      assertSameKeys(expected(model, range), scanned(index, range), why + ", " + range);
    }
    for (Map.Entry<byte[], long[]> e : model.entrySet()) {
      assertEquals(e.getValue()[1], index.get(e.getKey()).position, why);
    }
  }

  /**
   * Readers never see a torn entry (a sequence number with another version's position), never miss
   * a key that was added before they looked, and scan in strict order, while the writer adds keys
   * (growing every array) and updates them.
   */
  @Test
  void concurrentReaders_seeConsistentEntriesWhileTheWriterChangesThem() throws Exception {
    Seeded seeded = Seeded.fromProperty();
    long seed = seeded.seed();
    String why = seeded.why();
    KeyIndex index = new KeyIndex();
    int keys = 30_000;
    AtomicLong published = new AtomicLong();
    AtomicLong ordered = new AtomicLong();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    List<Thread> readers = new ArrayList<>();
    for (int t = 0; t < 3; t++) {
      SplittableRandom random = new SplittableRandom(seed + t);
      boolean scans = t == 0;
      Thread reader =
          new Thread(
              () -> {
                try {
                  while (published.get() < 3L * keys) {
                    long visible = published.get();
                    if (scans) {
                      long before = ordered.get();
                      assertTrue(checkScan(index, why) >= before, why + ": a scan missed keys");
                    } else {
                      checkLookups(index, random, Math.min(visible, keys), why);
                    }
                  }
                } catch (Throwable e) {
                  failure.compareAndSet(null, e);
                }
              });
      reader.start();
      readers.add(reader);
    }
    long seq = 0;
    for (int round = 0; round < 3; round++) {
      for (int k = 0; k < keys; k++) {
        // The position encodes the sequence number, so a torn read shows.
        index.put(key(k), seq, seq * 7 + 3, seq % 5 == 0);
        if (k % 7 == 0) {
          index.publishOrder();
          ordered.set(round == 0 ? k + 1 : keys);
        }
        seq++;
        published.set(round == 0 ? k + 1 : keys + seq);
      }
    }
    index.publishOrder();
    published.set(Long.MAX_VALUE);
    for (Thread reader : readers) {
      reader.join();
    }
    if (failure.get() != null) {
      throw new AssertionError(why, failure.get());
    }
    assertEquals(keys, index.size(), why);
  }

  private static byte[] key(int k) {
    return ("key-" + Integer.toHexString(k * 0x9E3779B1)).getBytes();
  }

  private static void checkLookups(
      KeyIndex index, SplittableRandom random, long added, String why) {
    for (int i = 0; i < 100 && added > 0; i++) {
      int k = random.nextInt((int) added);
      IndexEntry e = index.get(key(k));
      assertTrue(e != null, why + ": key " + k + " was added before the lookup");
      assertEquals(e.seq * 7 + 3, e.position, why + ": torn entry");
      assertEquals(e.seq % 5 == 0, e.deleted, why + ": torn entry");
    }
  }

  /** Scans everything, checking order and entries; returns how many keys it saw. */
  private static int checkScan(KeyIndex index, String why) {
    KeyOrder.Scan ids = index.scan(KeyRange.all());
    int seen = 0;
    byte[] previous = null;
    for (int id = ids.next(); id >= 0; id = ids.next()) {
      byte[] key = index.key(id);
      assertTrue(previous == null || KeyRange.compare(previous, key) < 0, why + ": out of order");
      IndexEntry e = index.entry(id);
      assertEquals(e.seq * 7 + 3, e.position, why + ": torn entry");
      previous = key;
      seen++;
    }
    return seen;
  }

  @Test
  void overlay_keepsTheLastWritePerKey_andSortsOnce() {
    Seeded seeded = Seeded.fromProperty();
    String why = seeded.why();
    SplittableRandom random = seeded.random();
    WriteOverlay overlay = new WriteOverlay(() -> {});
    NavigableMap<byte[], byte[]> model = new TreeMap<>(KeyRange::compare);
    for (int i = 0; i < 3_000; i++) {
      byte[] key = randomKey(random);
      byte[] value = random.nextInt(4) == 0 ? WriteOverlay.TOMBSTONE : randomKey(random);
      if (value == WriteOverlay.TOMBSTONE) {
        overlay.delete(key);
      } else {
        overlay.put(key, value);
      }
      model.put(key, value);
      if (i % 500 == 0) {
        KeyRange range = randomRange(random);
        List<byte[]> got = new ArrayList<>();
        overlay.entries(range).forEachRemaining(e -> got.add(e.getKey()));
        assertSameKeys(expected(model, range), got, why + ", " + range);
      }
    }
    assertEquals(model.size(), overlay.size(), why);
    int[] sorted = overlay.sortedSlots();
    int i = 0;
    for (Map.Entry<byte[], byte[]> e : model.entrySet()) {
      assertArrayEquals(e.getKey(), overlay.key(sorted[i]), why);
      assertSameValue(e.getValue(), overlay.value(sorted[i]), why + ": last write wins");
      assertSameValue(e.getValue(), overlay.get(e.getKey()), why);
      i++;
    }
    assertNull(overlay.get(new byte[] {9, 9, 9, 9, 9, 9, 9, 9, 9}), why);
    assertTrue(Arrays.equals(new int[0], new WriteOverlay(() -> {}).sortedSlots()), why);
  }

  /** A tombstone is the marker itself; any other value an equal copy. */
  private static void assertSameValue(byte[] expected, byte[] actual, String why) {
    if (expected == WriteOverlay.TOMBSTONE) {
      assertTrue(actual == WriteOverlay.TOMBSTONE, why);
    } else {
      assertTrue(actual != WriteOverlay.TOMBSTONE, why);
      assertArrayEquals(expected, actual, why);
    }
  }
}
