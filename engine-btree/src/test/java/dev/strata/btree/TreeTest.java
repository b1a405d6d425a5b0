package dev.strata.btree;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.Cursor;
import dev.strata.api.KeyRange;
import dev.strata.api.Limits;
import dev.strata.api.ReadTxn;
import dev.strata.api.WriteTxn;
import dev.strata.btree.format.Meta;
import dev.strata.btree.format.NodeView;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Splits, merges, root collapse, overflow runs and mapping chunk boundaries. */
class TreeTest {
  @TempDir Path dir;

  @ParameterizedTest(name = "freelist={0}")
  @ValueSource(strings = {"hash", "array"})
  void keysOfEverySize_splitAndMerge_checkerClean(String freelist) {
    SplittableRandom r = TestSupport.random("keysOfEverySize[" + freelist + "]");
    int[] sizes = {
      1,
      2,
      3,
      15,
      16,
      17,
      255,
      256,
      1000,
      1023,
      1024,
      1025,
      4000,
      4096,
      10_000,
      Limits.MAX_KEY_SIZE - 1,
      Limits.MAX_KEY_SIZE
    };
    TreeMap<byte[], byte[]> model = new TreeMap<>(KeyRange::compare);
    try (BTreeEngine e =
        TestSupport.openNoSync(
            dir,
            "btree.freelist",
            freelist,
            "btree.pageSize",
            "1024",
            "btree.mapChunkSize",
            "65536")) {
      for (int round = 0; round < 12; round++) {
        try (WriteTxn t = e.beginWrite()) {
          for (int i = 0; i < 60; i++) {
            byte[] k = new byte[sizes[r.nextInt(sizes.length)]];
            r.nextBytes(k);
            k[0] = (byte) r.nextInt(4);
            byte[] v = TestSupport.value(r.nextLong(), r.nextInt(4) == 0 ? 2000 : r.nextInt(30));
            t.put(k, v);
            model.put(k, v);
          }
          t.commit();
        }
        e.verifyIntegrity();
      }
      assertModel(e, model);
      // Delete in a few rounds so merges and root collapse run on big keys too.
      while (!model.isEmpty()) {
        try (WriteTxn t = e.beginWrite()) {
          int n = 0;
          for (byte[] k : model.keySet().toArray(new byte[0][])) {
            if (n++ % 2 == 0 || model.size() < 20) {
              t.delete(k);
              model.remove(k);
            }
          }
          t.commit();
        }
        e.verifyIntegrity();
        assertModel(e, model);
      }
      assertEquals(1, e.stats().get("treeDepth"));
    }
  }

  @ParameterizedTest(name = "freelist={0}")
  @ValueSource(strings = {"hash", "array"})
  void millionKeys_sequentialAndRandom_deleteEveryOther_shrinks(String freelist) {
    SplittableRandom r = TestSupport.random("millionKeys[" + freelist + "]");
    int n = 1_000_000;
    // SYNC: under NO_SYNC, pages freed since the last synced commit wait for the next sync (pinned
    // for the meta a restart would recover), which would blur what this test measures.
    try (BTreeEngine e = TestSupport.open(dir, "btree.freelist", freelist)) {
      byte[] v = new byte[16];
      for (int start = 0; start < n; start += 50_000) {
        try (WriteTxn t = e.beginWrite()) {
          for (int i = start; i < start + 50_000; i += 2) {
            t.put(TestSupport.key(i), v);
          }
          t.commit();
        }
      }
      int[] odd = new int[n / 2];
      for (int i = 0; i < odd.length; i++) {
        odd[i] = 2 * i + 1;
      }
      for (int i = odd.length - 1; i > 0; i--) {
        int j = r.nextInt(i + 1);
        int tmp = odd[i];
        odd[i] = odd[j];
        odd[j] = tmp;
      }
      for (int start = 0; start < odd.length; start += 50_000) {
        try (WriteTxn t = e.beginWrite()) {
          for (int i = start; i < start + 50_000; i++) {
            t.put(TestSupport.key(odd[i]), v);
          }
          t.commit();
        }
      }
      e.verifyIntegrity();
      assertEquals((long) n, e.stats().get("keys"));
      long peak = (Long) e.stats().get("fileBytes");
      for (int start = 0; start < n; start += 100_000) {
        try (WriteTxn t = e.beginWrite()) {
          for (int i = start; i < start + 100_000; i += 2) {
            t.delete(TestSupport.key(i));
          }
          t.commit();
        }
      }
      e.verifyIntegrity();
      assertEquals((long) n / 2, e.stats().get("keys"));
      // Deleting the upper half frees the pages at the end of the file: commits hand them back.
      for (int start = n / 2; start < n; start += 100_000) {
        try (WriteTxn t = e.beginWrite()) {
          for (int i = start + 1; i < start + 100_000; i += 2) {
            t.delete(TestSupport.key(i));
          }
          t.commit();
        }
      }
      for (int i = 0; i < 3; i++) {
        e.put(TestSupport.key(1), v);
      }
      e.verifyIntegrity();
      // How much deleting three quarters of the keys gives back depends on where the allocator put
      // the pages that stay: first fit (array) packs them at the start of the file, best fit
      // (hash) anywhere, so a page that stays may hold the tail. Deleting the rest frees the tree;
      // the commits after move the last leaf and the stored freelist's runs (a snapshot lives
      // until its deltas outweigh it) into the big free run's low end, and the tail is cut.
      long afterDeletes = (Long) e.stats().get("fileBytes");
      for (int start = 3; start < n / 2; start += 100_000) {
        try (WriteTxn t = e.beginWrite()) {
          for (int i = start; i < Math.min(n / 2, start + 100_000); i += 2) {
            t.delete(TestSupport.key(i));
          }
          t.commit();
        }
      }
      for (int i = 0; i < 20; i++) {
        e.put(TestSupport.key(1), v);
      }
      e.verifyIntegrity();
      assertEquals(1L, e.stats().get("keys"));
      long after = (Long) e.stats().get("fileBytes");
      System.out.println(
          "millionKeys["
              + freelist
              + "]: peak "
              + peak
              + " bytes, after the deletes "
              + afterDeletes
              + ", with one key left "
              + after
              + " bytes, stats "
              + e.stats());
      assertTrue(afterDeletes <= peak, "file grew: peak " + peak + ", after " + afterDeletes);
      assertTrue(after < peak / 20, "file should shrink: peak " + peak + ", after " + after);
      try (ReadTxn t = e.beginRead()) {
        assertArrayEquals(v, t.get(TestSupport.key(1)));
        assertNull(t.get(TestSupport.key(2)));
        assertNull(t.get(TestSupport.key(n - 1)));
      }
    }
  }

  @ParameterizedTest(name = "freelist={0}")
  @ValueSource(strings = {"hash", "array"})
  void overflowValuesAcrossSizes_roundTripOverwriteDelete(String freelist) {
    int[] sizes = {
      0, 1, 1023, 1024, 1025, 4064, 4065, 4096, 8192, 12_345, 100_000, 1 << 20, (1 << 24) + 3
    };
    try (BTreeEngine e =
        TestSupport.open(dir, "btree.freelist", freelist, "btree.mapChunkSize", "65536")) {
      for (int i = 0; i < sizes.length; i++) {
        e.put(TestSupport.key(i), TestSupport.value(i, sizes[i]));
      }
      e.verifyIntegrity();
      for (int i = 0; i < sizes.length; i++) {
        assertArrayEquals(
            TestSupport.value(i, sizes[i]), e.get(TestSupport.key(i)), "size " + sizes[i]);
      }
      for (int i = 0; i < sizes.length; i++) {
        e.put(TestSupport.key(i), TestSupport.value(i + 100, sizes[sizes.length - 1 - i]));
      }
      e.verifyIntegrity();
      for (int i = 0; i < sizes.length; i += 2) {
        e.delete(TestSupport.key(i));
      }
      e.verifyIntegrity();
    }
    try (BTreeEngine e = TestSupport.open(dir, "btree.freelist", freelist)) {
      for (int i = 0; i < sizes.length; i++) {
        byte[] expected =
            i % 2 == 0 ? null : TestSupport.value(i + 100, sizes[sizes.length - 1 - i]);
        assertArrayEquals(expected, e.get(TestSupport.key(i)));
      }
      e.verifyIntegrity();
    }
  }

  @Test
  void runsCrossingMappingChunks_readBack() {
    SplittableRandom r = TestSupport.random("runsCrossingMappingChunks");
    TreeMap<byte[], byte[]> model = new TreeMap<>(KeyRange::compare);
    try (BTreeEngine e = TestSupport.openNoSync(dir, "btree.mapChunkSize", "65536")) {
      for (int i = 0; i < 300; i++) {
        byte[] k = new byte[1 + r.nextInt(r.nextInt(10) == 0 ? 20_000 : 40)];
        r.nextBytes(k);
        byte[] v = TestSupport.value(i, r.nextInt(3) == 0 ? 5000 + r.nextInt(70_000) : 50);
        e.put(k, v);
        model.put(k, v);
      }
      e.verifyIntegrity();
      assertTrue((Long) e.stats().get("fileBytes") > 20 * 65536L, "spans many chunks");
      assertModel(e, model);
    }
  }

  /**
   * Branch pages route with the shortest prefix that tells two neighbouring leaves apart, not with
   * whole keys: with 16-byte keys whose first bytes are random, two or three bytes separate 50,000
   * keys. Deletes then merge leaves and carry those short keys along; every key must still route.
   */
  @Test
  void branchKeys_areShortSeparators_thatRouteEveryKey() {
    SplittableRandom r = TestSupport.random("branchKeys");
    TreeMap<byte[], byte[]> model = new TreeMap<>(KeyRange::compare);
    try (BTreeEngine e = TestSupport.openNoSync(dir)) {
      for (int round = 0; round < 50; round++) {
        try (WriteTxn t = e.beginWrite()) {
          for (int i = 0; i < 1000; i++) {
            byte[] k = new byte[16];
            r.nextBytes(k);
            byte[] v = TestSupport.value(r.nextLong(), 20);
            t.put(k, v);
            model.put(k, v);
          }
          t.commit();
        }
      }
      // Keys below every key so far: they land in the leftmost leaves, whose routing keys must
      // then come down with them.
      try (WriteTxn t = e.beginWrite()) {
        for (int i = 0; i < 300; i++) {
          byte[] k = new byte[1 + r.nextInt(16)];
          r.nextBytes(k);
          k[0] = 0;
          t.put(k, new byte[] {1});
          model.put(k, new byte[] {1});
        }
        t.commit();
      }
      e.verifyIntegrity();
      assertModel(e, model);
      assertRangesAroundRoutingKeys(e, model, r);
      long[] full = branchKeyLengths(e);
      try (WriteTxn t = e.beginWrite()) {
        for (byte[] k : model.keySet().toArray(new byte[0][])) {
          if (r.nextInt(3) > 0) {
            t.delete(k);
            model.remove(k);
          }
        }
        t.commit();
      }
      e.verifyIntegrity();
      assertModel(e, model);
      assertRangesAroundRoutingKeys(e, model, r);
      long[] thinned = branchKeyLengths(e);
      System.out.println(
          "branch keys: "
              + full[0]
              + " of "
              + full[1]
              + " bytes in all, "
              + full[2]
              + " over 8 bytes"
              + "; after deleting two thirds "
              + thinned[0]
              + " of "
              + thinned[1]
              + " bytes");
      assertTrue(full[0] > 100, "too few branch keys to tell: " + full[0]);
      assertTrue(full[1] < 4 * full[0], "mean branch key over 4 bytes: " + full[1] + "/" + full[0]);
      // Only the leftmost path keeps whole keys: its routing keys are the smallest key there was.
      assertTrue(
          full[2] <= ((Number) e.stats().get("treeDepth")).longValue(),
          full[2] + " branch keys over 8 bytes");
    }
  }

  /**
   * A put reuses the leaf of the put before it while the key lies within that leaf's branch bounds.
   * Keys at the bounds themselves (the routing keys of the committed branches), a byte above and
   * below them, and beyond the first and last key, put in runs of ascending keys broken by jumps
   * across the tree, must each land where a descent from the root would put it: in key order in the
   * leaf whose bounds hold it, which the checker verifies, and readable in the transaction.
   */
  @Test
  void putsAtAndAroundRoutingKeys_inRunsAndJumps_landInTheirLeaves() {
    SplittableRandom r = TestSupport.random("putsAtAndAroundRoutingKeys");
    TreeMap<byte[], byte[]> model = new TreeMap<>(KeyRange::compare);
    try (BTreeEngine e = TestSupport.openNoSync(dir, "btree.pageSize", "1024")) {
      try (WriteTxn t = e.beginWrite()) {
        for (int i = 0; i < 20_000; i++) {
          byte[] k = new byte[2 + r.nextInt(10)];
          r.nextBytes(k);
          k[0] = (byte) (1 + r.nextInt(254));
          t.put(k, new byte[] {0});
          model.put(k, new byte[] {0});
        }
        t.commit();
      }
      assertTrue(((Number) e.stats().get("treeDepth")).intValue() >= 3, "tree too shallow");
      for (int round = 0; round < 4; round++) {
        List<byte[]> near = new ArrayList<>();
        for (byte[] routing : branchKeys(e)) {
          near.add(routing);
          near.add(Arrays.copyOf(routing, routing.length + 1));
          if (routing.length > 1) {
            near.add(Arrays.copyOf(routing, routing.length - 1));
          }
          byte[] below = routing.clone();
          if (below[below.length - 1] != 0) {
            below[below.length - 1]--;
            near.add(below);
          }
        }
        near.add(new byte[] {0});
        near.add(new byte[] {(byte) 0xFF, (byte) 0xFF});
        near.sort(Arrays::compareUnsigned);
        try (WriteTxn t = e.beginWrite()) {
          int i = 0;
          for (int step = 0; step < near.size() / 8; step++) {
            // An ascending run from here, then a jump to anywhere.
            int run = 1 + r.nextInt(40);
            for (int j = i; j < Math.min(near.size(), i + run); j++) {
              byte[] k = near.get(j);
              if (r.nextInt(8) == 0) {
                t.delete(k);
                model.remove(k);
                assertNull(t.get(k));
              } else {
                byte[] v = TestSupport.value(r.nextLong(), r.nextInt(30));
                t.put(k, v);
                model.put(k, v);
                assertArrayEquals(v, t.get(k));
              }
            }
            i = r.nextInt(4) == 0 && i + run < near.size() ? i + run : r.nextInt(near.size());
          }
          for (Map.Entry<byte[], byte[]> en : model.entrySet()) {
            assertArrayEquals(en.getValue(), t.get(en.getKey()), "in the transaction");
          }
          t.commit();
        }
        e.verifyIntegrity();
        assertModel(e, model);
      }
    }
  }

  @Test
  void separator_isTheShortestPrefixOfTheRightKeyAboveTheLeftKey() {
    assertArrayEquals(new byte[] {5}, Node.separator(new byte[] {4, 9, 9}, new byte[] {5, 0}));
    assertArrayEquals(
        new byte[] {1, 2, 4}, Node.separator(new byte[] {1, 2, 3, 7}, new byte[] {1, 2, 4, 0, 1}));
    // A left key that is a prefix of the right one: one byte more than the prefix.
    assertArrayEquals(
        new byte[] {1, 2, 0}, Node.separator(new byte[] {1, 2}, new byte[] {1, 2, 0, 0}));
    // Unsigned order: 0x80 sorts above 0x7F.
    assertArrayEquals(
        new byte[] {(byte) 0x80},
        Node.separator(new byte[] {0x7F, 1}, new byte[] {(byte) 0x80, 1}));
    SplittableRandom r = TestSupport.random("separator");
    for (int i = 0; i < 10_000; i++) {
      byte[] a = new byte[1 + r.nextInt(4)];
      byte[] b = new byte[1 + r.nextInt(4)];
      r.nextBytes(a);
      r.nextBytes(b);
      a[0] &= 3;
      b[0] &= 3;
      int c = Arrays.compareUnsigned(a, b);
      if (c == 0) {
        continue;
      }
      byte[] left = c < 0 ? a : b;
      byte[] right = c < 0 ? b : a;
      byte[] s = Node.separator(left, right);
      assertTrue(Arrays.compareUnsigned(left, s) < 0 && Arrays.compareUnsigned(s, right) <= 0);
      byte[] shorter = Arrays.copyOf(s, s.length - 1);
      assertTrue(s.length == 1 || Arrays.compareUnsigned(shorter, left) <= 0);
    }
  }

  /**
   * Bounded ranges, both directions, whose bounds are routing keys of the tree's branches (or one
   * byte longer): where a descent lands on a child that may hold nothing in range, a cursor must
   * still find the neighbouring keys, and a get of a key that is only a routing key finds nothing.
   */
  private static void assertRangesAroundRoutingKeys(
      BTreeEngine e, TreeMap<byte[], byte[]> model, SplittableRandom r) {
    List<byte[]> routing = branchKeys(e);
    try (ReadTxn t = e.beginRead()) {
      for (int i = 0; i < 300 && !routing.isEmpty(); i++) {
        byte[] from = routing.get(r.nextInt(routing.size()));
        if (r.nextBoolean()) {
          from = Arrays.copyOf(from, from.length + 1);
        }
        byte[] to = routing.get(r.nextInt(routing.size()));
        if (Arrays.compareUnsigned(from, to) > 0) {
          byte[] swap = from;
          from = to;
          to = swap;
        }
        assertEquals(model.get(from) == null, t.get(from) == null, "get of a routing key");
        KeyRange range = KeyRange.between(from, to);
        NavigableMap<byte[], byte[]> expected = model.subMap(from, true, to, false);
        assertSameKeys(t, range, expected.navigableKeySet().iterator(), 5);
        assertSameKeys(t, range.reversed(), expected.descendingKeySet().iterator(), 5);
        assertSameKeys(
            t,
            KeyRange.below(to).reversed(),
            model.headMap(to, false).descendingKeySet().iterator(),
            3);
        assertSameKeys(
            t, KeyRange.atLeast(from), model.tailMap(from, true).navigableKeySet().iterator(), 3);
      }
    }
  }

  /** The first {@code n} keys of {@code range} are the first {@code n} of {@code expected}. */
  private static void assertSameKeys(ReadTxn t, KeyRange range, Iterator<byte[]> expected, int n) {
    try (Cursor c = t.cursor(range)) {
      for (int i = 0; i < n; i++) {
        boolean more = expected.hasNext();
        assertEquals(more, c.next(), "range " + range + " ends early or late at entry " + i);
        if (!more) {
          return;
        }
        assertArrayEquals(expected.next(), c.key(), "range " + range + ", entry " + i);
      }
    }
  }

  /** The keys of the committed tree's branch pages, depth first. */
  private static List<byte[]> branchKeys(BTreeEngine e) {
    List<byte[]> keys = new ArrayList<>();
    Meta m = e.store.meta;
    addBranchKeys(e.store.file, m.root(), m.highWater(), keys);
    return keys;
  }

  private static void addBranchKeys(PageFile file, long pgid, long highWater, List<byte[]> keys) {
    NodeView v = file.node(pgid, highWater, false);
    if (v.isLeaf()) {
      return;
    }
    for (int i = 0; i < v.count(); i++) {
      keys.add(v.keyAt(i));
      addBranchKeys(file, v.childAt(i), highWater, keys);
    }
  }

  /** {count, total bytes, how many over 8 bytes} of the keys in the committed tree's branches. */
  private static long[] branchKeyLengths(BTreeEngine e) {
    long[] lengths = new long[3];
    for (byte[] k : branchKeys(e)) {
      lengths[0]++;
      lengths[1] += k.length;
      lengths[2] += k.length > 8 ? 1 : 0;
    }
    return lengths;
  }

  @Test
  void loadsInKeyOrder_fillLeaves_randomPutsSplitByFillPercent() {
    // Each entry: slot, leaf element, a 9-byte key and a 20-byte value.
    int perPage = (4096 - 32) / (4 + 7 + 9 + 20);
    long packed = (LOAD_KEYS + perPage - 1) / perPage;
    long seed = TestSupport.random("loadsInKeyOrder").nextLong();
    List<Long> shuffled = new ArrayList<>();
    for (long i = 0; i < LOAD_KEYS; i++) {
      shuffled.add(i);
    }
    java.util.Collections.shuffle(shuffled, new java.util.Random(seed));
    Map<String, Long> leaves = new java.util.LinkedHashMap<>();
    leaves.put("ascending", leavesAfter("ascending", i -> loadKey('a', i), "0.5"));
    leaves.put(
        "descending", leavesAfter("descending", i -> loadKey('a', LOAD_KEYS - 1 - i), "0.5"));
    // Two tables loaded side by side: the first one's inserts land before the second's keys.
    leaves.put(
        "two tables", leavesAfter("two", i -> loadKey(i % 2 == 0 ? 'a' : 'b', i / 2), "0.5"));
    leaves.put("random", leavesAfter("random", i -> loadKey('a', shuffled.get((int) i)), "0.5"));
    String counts = leaves + ", " + packed + " if full";
    assertTrue(leaves.get("ascending") <= packed * 1.02, counts);
    assertTrue(leaves.get("descending") <= packed * 1.02, counts);
    assertTrue(leaves.get("two tables") <= packed * 1.02 + 1, counts);
    // Random puts insert one entry here and there: the fill factor applies.
    assertTrue(leaves.get("random") >= packed * 1.25, counts);
  }

  @Test
  void aLoadThatFillsTheGapsBetweenItsKeys_keepsLeavesNearlyFull() {
    // Even keys in key order (full leaves), then the odd ones in key order: every leaf takes a
    // page of scattered inserts in one commit. Cut evenly it becomes two nearly full pages;
    // bbolt's rule (close a part at half a page) would make four half-full ones.
    int perPage = (4096 - 32) / (4 + 7 + 9 + 20);
    long packed = (LOAD_KEYS + perPage - 1) / perPage;
    try (BTreeEngine e = TestSupport.openNoSync(dir.resolve("gaps"))) {
      for (int parity = 0; parity < 2; parity++) {
        for (int start = 0; start < LOAD_KEYS / 2; start += 1000) {
          try (WriteTxn t = e.beginWrite()) {
            for (int i = start; i < start + 1000; i++) {
              t.put(loadKey('a', 2L * i + parity), new byte[20]);
            }
            t.commit();
          }
        }
      }
      e.verifyIntegrity();
      assertEquals((long) LOAD_KEYS, e.stats().get("keys"));
      long leaves = (Long) e.stats().get("leafPages");
      assertTrue(leaves <= packed * 1.2, leaves + " leaves, " + packed + " if full");
    }
  }

  private static final int LOAD_KEYS = 50_000;

  private static byte[] loadKey(char table, long i) {
    return java.nio.ByteBuffer.allocate(9).put((byte) table).putLong(i).array();
  }

  /** Leaves after loading {@link #LOAD_KEYS} keys {@code key(0..)} in transactions of 1,000. */
  private long leavesAfter(String name, java.util.function.LongFunction<byte[]> key, String fill) {
    try (BTreeEngine e = TestSupport.openNoSync(dir.resolve(name), "btree.fillPercent", fill)) {
      for (int start = 0; start < LOAD_KEYS; start += 1000) {
        try (WriteTxn t = e.beginWrite()) {
          for (int i = start; i < start + 1000; i++) {
            t.put(key.apply(i), new byte[20]);
          }
          t.commit();
        }
      }
      e.verifyIntegrity();
      assertEquals((long) LOAD_KEYS, e.stats().get("keys"));
      return (Long) e.stats().get("leafPages");
    }
  }

  @Test
  void valuesUpToMaxInline_stayInTheirLeaf_longerOnesOverflow() {
    int maxInline = TreeUpdate.maxInline(4096);
    assertEquals(1279, maxInline);
    assertEquals(256, TreeUpdate.maxInline(1024), "at least a quarter page");
    try (BTreeEngine e = TestSupport.openNoSync(dir)) {
      try (WriteTxn t = e.beginWrite()) {
        for (int i = 0; i < 300; i++) {
          t.put(TestSupport.key(i), TestSupport.value(i, maxInline));
        }
        t.commit();
      }
      assertEquals(0L, e.stats().get("overflowPages"));
      // Three entries with keys of up to 64 bytes and the longest inline value fit one leaf.
      long leaves = (Long) e.stats().get("leafPages");
      assertTrue(leaves <= 100, leaves + " leaves for 300 entries");
      try (WriteTxn t = e.beginWrite()) {
        t.put(TestSupport.key(0), TestSupport.value(0, maxInline + 1));
        t.commit();
      }
      assertEquals(1L, e.stats().get("overflowPages"));
      try (ReadTxn t = e.beginRead()) {
        assertArrayEquals(TestSupport.value(0, maxInline + 1), t.get(TestSupport.key(0)));
        assertArrayEquals(TestSupport.value(1, maxInline), t.get(TestSupport.key(1)));
      }
      e.verifyIntegrity();
    }
  }

  static void assertModel(BTreeEngine e, TreeMap<byte[], byte[]> model) {
    try (ReadTxn t = e.beginRead();
        Cursor c = t.cursor(KeyRange.all())) {
      for (Map.Entry<byte[], byte[]> en : model.entrySet()) {
        assertTrue(c.next());
        assertArrayEquals(en.getKey(), c.key());
        assertArrayEquals(en.getValue(), c.value());
        assertArrayEquals(en.getValue(), t.get(en.getKey()));
      }
      assertEquals(false, c.next());
    }
  }

  /**
   * Regression: a SYNC commit that cuts the file's growth slack makes the next growing commit
   * extend it again. The file is cut only when the high-water mark falls.
   */
  @Test
  void syncCommits_truncateTheFileOnlyWhenTheHighWaterMarkFalls() {
    int[] truncations = {0};
    try (BTreeEngine e =
        BTreeEngine.open(
            dir,
            dev.strata.api.EngineOptions.defaults(),
            f -> {
              PageIO real = PageIO.of(f);
              return new PageIO() {
                @Override
                public int write(java.nio.ByteBuffer src, long position)
                    throws java.io.IOException {
                  return real.write(src, position);
                }

                @Override
                public void force() throws java.io.IOException {
                  real.force();
                }

                @Override
                public void truncate(long size) throws java.io.IOException {
                  truncations[0]++;
                  real.truncate(size);
                }
              };
            })) {
      long falls = 0;
      for (int i = 0; i < 400; i++) {
        long before = e.store.meta.highWater();
        e.put(TestSupport.key(i), new byte[100]);
        falls += e.store.meta.highWater() < before ? 1 : 0;
      }
      assertTrue(
          truncations[0] <= falls,
          truncations[0]
              + " truncations for "
              + falls
              + " commits that lowered the high-water mark");
    }
  }
}
