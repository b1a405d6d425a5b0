package dev.strata.api.spi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.KeyRange;
import dev.strata.api.Limits;
import dev.strata.api.TransactionClosedException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The shared write overlay against a {@link TreeMap} model, its validation order, the snapshot a
 * cursor iterates, and {@link KeyBytes} against {@link KeyRange#compare}. Seeded; every failure
 * message carries the seed ({@code -Dstrata.test.seed=...} replays it).
 */
class WriteOverlayTest {
  private static SplittableRandom seeded(StringBuilder why) {
    long seed = Long.getLong("strata.test.seed", System.nanoTime());
    why.append("seed ").append(seed).append(" (rerun with -Dstrata.test.seed=").append(seed);
    why.append(')');
    System.out.println("WriteOverlayTest " + why);
    return new SplittableRandom(seed);
  }

  /**
   * Keys of 1 to 20 bytes drawn mostly from {0, 1, 2}: many shared prefixes, keys shorter than the
   * 8-byte sort prefix, and many rewrites of the same key.
   */
  private static byte[] randomKey(SplittableRandom random) {
    byte[] key = new byte[1 + random.nextInt(random.nextBoolean() ? 4 : 20)];
    random.nextBytes(key);
    for (int i = 0; i < key.length; i++) {
      if (random.nextInt(3) != 0) {
        key[i] = (byte) Math.floorMod(key[i], 3);
      }
    }
    return key;
  }

  private static final Runnable ACTIVE = () -> {};

  @Test
  void putAndDelete_lastWriteWins_sortedSlotsFollowKeyOrder() {
    StringBuilder why = new StringBuilder();
    SplittableRandom random = seeded(why);
    WriteOverlay overlay = new WriteOverlay(ACTIVE);
    NavigableMap<byte[], byte[]> model = new TreeMap<>(KeyRange::compare);
    long logical = 0;
    for (int i = 0; i < 5_000; i++) {
      byte[] key = randomKey(random);
      if (random.nextInt(4) == 0) {
        overlay.delete(key);
        model.put(key, WriteOverlay.TOMBSTONE);
        logical += key.length;
      } else {
        byte[] value = randomKey(random);
        overlay.put(key, value);
        model.put(key, value);
        logical += key.length + value.length;
      }
    }
    assertEquals(model.size(), overlay.size(), why.toString());
    assertEquals(logical, overlay.logicalBytes(), why.toString());
    int[] sorted = overlay.sortedSlots();
    int i = 0;
    for (Map.Entry<byte[], byte[]> e : model.entrySet()) {
      assertArrayEquals(e.getKey(), overlay.key(sorted[i]), why.toString());
      byte[] value = overlay.value(sorted[i]);
      if (e.getValue() == WriteOverlay.TOMBSTONE) {
        assertSame(WriteOverlay.TOMBSTONE, value, why.toString());
        assertSame(WriteOverlay.TOMBSTONE, overlay.get(e.getKey()), why.toString());
      } else {
        assertArrayEquals(e.getValue(), value, why.toString());
        assertArrayEquals(e.getValue(), overlay.get(e.getKey()), why.toString());
      }
      i++;
    }
    assertNull(overlay.get(new byte[] {9, 9, 9, 9, 9, 9, 9, 9, 9}), why.toString());
  }

  @Test
  void put_copiesTheCallersArrays() {
    WriteOverlay overlay = new WriteOverlay(ACTIVE);
    byte[] key = {1, 2};
    byte[] value = {3};
    overlay.put(key, value);
    key[0] = 9;
    value[0] = 9;
    assertArrayEquals(new byte[] {3}, overlay.get(new byte[] {1, 2}));
    assertNull(overlay.get(key));
  }

  @Test
  void put_validatesArgumentsBeforeAskingWhetherTheTransactionIsActive() {
    int[] asked = new int[1];
    WriteOverlay ended =
        new WriteOverlay(
            () -> {
              asked[0]++;
              throw new TransactionClosedException("write transaction is committed");
            });
    assertThrows(IllegalArgumentException.class, () -> ended.put(new byte[0], new byte[1]));
    assertThrows(
        IllegalArgumentException.class, () -> ended.delete(new byte[Limits.MAX_KEY_SIZE + 1]));
    assertThrows(NullPointerException.class, () -> ended.put(new byte[1], null));
    assertThrows(NullPointerException.class, () -> ended.delete(null));
    assertEquals(0, asked[0]);
    assertThrows(TransactionClosedException.class, () -> ended.put(new byte[1], new byte[1]));
    assertThrows(TransactionClosedException.class, () -> ended.delete(new byte[1]));
    assertEquals(2, asked[0]);
    assertEquals(0, ended.size(), "a refused write is not recorded");
    assertEquals(0, ended.logicalBytes());
  }

  @Test
  void read_copiesOwnWrites_hidesOwnDeletes_elseReadsTheCommittedState() {
    WriteOverlay overlay = new WriteOverlay(ACTIVE);
    overlay.put(new byte[] {1}, new byte[] {10});
    overlay.delete(new byte[] {2});
    List<String> asked = new ArrayList<>();
    java.util.function.Function<byte[], byte[]> committed =
        k -> {
          asked.add(Arrays.toString(k));
          return new byte[] {(byte) (k[0] * 100)};
        };
    byte[] own = overlay.read(new byte[] {1}, committed);
    assertArrayEquals(new byte[] {10}, own);
    own[0] = 9;
    assertArrayEquals(new byte[] {10}, overlay.read(new byte[] {1}, committed), "a copy");
    assertNull(overlay.read(new byte[] {2}, committed), "deleted in the transaction");
    assertArrayEquals(new byte[] {(byte) 300}, overlay.read(new byte[] {3}, committed));
    assertEquals(
        List.of("[3]"), asked, "only a key the transaction did not write goes to the base");
  }

  @Test
  void entries_areTheWritesInRangeWhenAsked_inTheRangesDirection() {
    WriteOverlay overlay = new WriteOverlay(ACTIVE);
    for (int k = 0; k < 10; k++) {
      overlay.put(new byte[] {(byte) k}, new byte[] {(byte) (k + 100)});
    }
    overlay.delete(new byte[] {4});
    Iterator<Map.Entry<byte[], byte[]>> up =
        overlay.entries(KeyRange.between(new byte[] {2}, new byte[] {6}));
    Iterator<Map.Entry<byte[], byte[]>> down =
        overlay.entries(KeyRange.between(new byte[] {2}, new byte[] {6}).reversed());
    overlay.put(new byte[] {3}, new byte[] {0});
    overlay.put(new byte[] {5, 5}, new byte[] {0});
    assertEquals(List.of("2:102", "3:103", "4:-", "5:105"), describe(up));
    assertEquals(List.of("5:105", "4:-", "3:103", "2:102"), describe(down));
  }

  @Test
  void merge_overlayWinsAndTombstonesHideBaseKeys() {
    WriteOverlay overlay = new WriteOverlay(ACTIVE);
    overlay.put(new byte[] {2}, new byte[] {20});
    overlay.delete(new byte[] {3});
    overlay.put(new byte[] {5}, new byte[] {50});
    List<Map.Entry<byte[], byte[]>> base = new ArrayList<>();
    for (int k = 1; k <= 4; k++) {
      base.add(Map.entry(new byte[] {(byte) k}, new byte[] {(byte) k}));
    }
    Iterator<Map.Entry<byte[], byte[]>> merged =
        WriteOverlay.merge(overlay.entries(KeyRange.all()), base.iterator(), KeyRange.all());
    assertEquals(List.of("1:1", "2:20", "4:4", "5:50"), describe(merged));
  }

  @Test
  void keySort_ordersLikeKeyRangeCompare() {
    StringBuilder why = new StringBuilder();
    SplittableRandom random = seeded(why);
    int n = 20_000;
    byte[][] keys = new byte[n][];
    java.util.Set<String> seen = new java.util.HashSet<>();
    int count = 0;
    while (count < n) {
      byte[] key = randomKey(random);
      if (seen.add(Arrays.toString(key))) {
        keys[count++] = key;
      }
    }
    int[] ids = new int[n];
    long[] prefixes = new long[n];
    for (int i = 0; i < n; i++) {
      ids[i] = i;
      prefixes[i] = KeyBytes.prefix(keys[i]);
    }
    KeyBytes.sortByKey(ids, prefixes, keys, n);
    byte[][] expected = keys.clone();
    Arrays.sort(expected, KeyRange::compare);
    for (int i = 0; i < n; i++) {
      assertArrayEquals(expected[i], keys[ids[i]], why + " at " + i);
      assertEquals(KeyBytes.prefix(keys[ids[i]]), prefixes[i], why.toString());
    }
  }

  @Test
  void entryCursor_copiesChecksAndBracketsEveryCall() {
    int[] calls = new int[2];
    boolean[] active = {true};
    List<Map.Entry<byte[], String>> entries =
        List.of(Map.entry(new byte[] {1}, "a"), Map.entry(new byte[] {2}, "b"));
    EntryCursor<String> cursor =
        new EntryCursor<>(entries.iterator()) {
          @Override
          protected void checkTransaction() {
            if (!active[0]) {
              throw new TransactionClosedException("transaction ended");
            }
          }

          @Override
          protected byte[] valueOf(String value) {
            return value.getBytes(java.nio.charset.StandardCharsets.UTF_8);
          }

          @Override
          protected void enter() {
            calls[0]++;
          }

          @Override
          protected void exit() {
            calls[1]++;
          }
        };
    assertThrows(IllegalStateException.class, cursor::key);
    assertTrue(cursor.next());
    byte[] key = cursor.key();
    key[0] = 9;
    assertArrayEquals(new byte[] {1}, cursor.key(), "the cursor hands out copies");
    assertArrayEquals(new byte[] {'a'}, cursor.value());
    assertTrue(cursor.next());
    assertFalse(cursor.next());
    assertThrows(IllegalStateException.class, cursor::value);
    active[0] = false;
    assertThrows(TransactionClosedException.class, cursor::next);
    active[0] = true;
    cursor.close();
    cursor.close();
    assertThrows(TransactionClosedException.class, cursor::next);
    assertEquals(calls[0], calls[1], "every enter has its exit, also when a call throws");
    assertEquals(10, calls[0]);
  }

  private static List<String> describe(Iterator<Map.Entry<byte[], byte[]>> entries) {
    List<String> out = new ArrayList<>();
    entries.forEachRemaining(
        e -> {
          StringBuilder s = new StringBuilder();
          for (byte b : e.getKey()) {
            s.append(s.length() == 0 ? "" : ",").append(b);
          }
          s.append(':');
          s.append(e.getValue() == WriteOverlay.TOMBSTONE ? "-" : String.valueOf(e.getValue()[0]));
          out.add(s.toString());
        });
    return out;
  }
}
