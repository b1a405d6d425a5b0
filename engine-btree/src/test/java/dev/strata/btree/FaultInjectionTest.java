package dev.strata.btree;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.strata.api.Cursor;
import dev.strata.api.EngineFailedException;
import dev.strata.api.EngineOptions;
import dev.strata.api.KeyRange;
import dev.strata.api.ReadTxn;
import dev.strata.api.StorageException;
import dev.strata.api.StorageFullException;
import dev.strata.api.StorageIOException;
import dev.strata.api.WriteTxn;
import dev.strata.btree.FaultyPageIO.Fault;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Faults injected through the {@link PageIO} seam: every one makes the commit throw a typed
 * exception and leaves a store that reopens clean, showing the state before the failed commit (or
 * after it, when the meta page reached the disk).
 */
class FaultInjectionTest {
  @TempDir Path dir;

  /**
   * Every fault with both freelists syncing once per commit, and with the hash freelist syncing
   * twice. A one-sync commit has no sync before its meta write, so a failing first sync applies
   * only to two; its single sync is the one after the meta write.
   */
  static Stream<Arguments> faults() {
    List<Arguments> args = new ArrayList<>();
    for (Fault f : Fault.values()) {
      if (f != Fault.NONE && f != Fault.OUT_OF_MEMORY) {
        if (f != Fault.FAIL_FIRST_SYNC) {
          args.add(Arguments.of(f, "hash", 1));
          args.add(Arguments.of(f, "array", 1));
        }
        args.add(Arguments.of(f, "hash", 2));
      }
    }
    return args.stream();
  }

  @ParameterizedTest(name = "{0} freelist={1} commitSyncs={2}")
  @MethodSource("faults")
  void commit_withInjectedFault_throwsTypedAndReopensClean(
      Fault fault, String freelist, int commitSyncs) {
    assumeTrue(
        fault != Fault.FAIL_EARLY_SYNC || EarlyWriteback.worthwhile(), "one core: no helper");
    FaultyPageIO[] io = new FaultyPageIO[1];
    EngineOptions options =
        EngineOptions.builder()
            .set("btree.freelist", freelist)
            .set("btree.commitSyncs", String.valueOf(commitSyncs))
            .build();
    TreeMap<byte[], byte[]> before = new TreeMap<>(KeyRange::compare);
    TreeMap<byte[], byte[]> after;
    try (BTreeEngine e =
        BTreeEngine.open(
            dir,
            options,
            f ->
                io[0] =
                    new FaultyPageIO(f.channel(), Settings.DEFAULT_PAGE_SIZE, commitSyncs == 1))) {
      for (int round = 0; round < 5; round++) {
        try (WriteTxn t = e.beginWrite()) {
          for (int i = 0; i < 400; i++) {
            byte[] k = TestSupport.key(round * 1000L + i);
            byte[] v = TestSupport.value(round * 7919L + i, i % 50 == 0 ? 3000 : 40);
            t.put(k, v);
            before.put(k, v);
          }
          for (int i = 0; i < 40 && round > 0; i++) {
            byte[] k = TestSupport.key((round - 1) * 1000L + i * 3);
            t.delete(k);
            before.remove(k);
          }
          t.commit();
        }
      }
      assertEquals(
          commitSyncs == 1 ? 5L : 0L,
          e.stats().get("oneSyncCommits"),
          "commits of a few hundred pages sync once unless told to sync twice");
      after = new TreeMap<>(before);
      // The early write-back helper syncs only commits of a few hundred pages or more.
      boolean early = fault == Fault.FAIL_EARLY_SYNC || fault == Fault.FAIL_LATE_WRITE;
      int puts = early ? 3000 : 500;
      io[0].arm(fault);
      StorageException failure =
          assertThrows(
              StorageException.class,
              () -> {
                try (WriteTxn t = e.beginWrite()) {
                  for (int i = 0; i < puts; i++) {
                    byte[] k = TestSupport.key(9_000_000L + i);
                    byte[] v = TestSupport.value(i, i % 20 == 0 ? 9000 : 60);
                    t.put(k, v);
                    after.put(k, v);
                  }
                  for (int i = 0; i < 100; i++) {
                    byte[] k = TestSupport.key(i * 7L);
                    t.delete(k);
                    after.remove(k);
                  }
                  t.commit();
                }
              });
      Class<? extends StorageException> expected =
          fault == Fault.DISK_FULL ? StorageFullException.class : StorageIOException.class;
      assertInstanceOf(expected, failure, failure.toString());
      assertContent(e, before);
      boolean metaPhase = fault == Fault.TORN_META || fault == Fault.FAIL_META_SYNC;
      if (metaPhase) {
        assertThrows(EngineFailedException.class, e::beginWrite);
        // Memory and disk may disagree until the reopen, so the checker must not call it corrupt.
        assertThrows(EngineFailedException.class, e::verifyIntegrity);
      } else {
        e.verifyIntegrity();
        byte[] k = TestSupport.key(123_456_789L);
        e.put(k, new byte[] {7});
        before.put(k, new byte[] {7});
        after.put(k, new byte[] {7});
        e.verifyIntegrity();
      }
    }
    try (BTreeEngine e =
        TestSupport.open(
            dir, "btree.freelist", freelist, "btree.commitSyncs", String.valueOf(commitSyncs))) {
      e.verifyIntegrity();
      TreeMap<byte[], byte[]> seen = content(e);
      if (fault == Fault.FAIL_META_SYNC) {
        assertTrue(equal(seen, before) || equal(seen, after), "neither before nor after state");
      } else {
        assertContent(e, before);
      }
    }
  }

  /**
   * Regression: an {@link Error} thrown inside commit (an OutOfMemoryError from a temporary direct
   * buffer) skipped the freelist rollback, so the failed txid's frees stayed pending and a later
   * commit under the same txid failed with "double free" or released pages the tree still used.
   */
  @ParameterizedTest(name = "freelist={0}")
  @ValueSource(strings = {"hash", "array"})
  void commit_hitByAnError_undoesItsPages_andLaterCommitsKeepEveryValue(String freelist) {
    FaultyPageIO[] io = new FaultyPageIO[1];
    EngineOptions options = EngineOptions.builder().set("btree.freelist", freelist).build();
    TreeMap<byte[], byte[]> model = new TreeMap<>(KeyRange::compare);
    try (BTreeEngine e =
        BTreeEngine.open(
            dir, options, f -> io[0] = new FaultyPageIO(f.channel(), Settings.DEFAULT_PAGE_SIZE))) {
      byte[] overflow = TestSupport.value(1, 10_000);
      e.put(TestSupport.key(1), overflow);
      model.put(TestSupport.key(1), overflow);
      for (int i = 100; i < 200; i++) {
        e.put(TestSupport.key(i), new byte[20]);
        model.put(TestSupport.key(i), new byte[20]);
      }
      io[0].arm(Fault.OUT_OF_MEMORY);
      assertThrows(
          OutOfMemoryError.class,
          () -> {
            try (WriteTxn t = e.beginWrite()) {
              t.put(TestSupport.key(1), TestSupport.value(2, 10_000));
              t.commit();
            }
          });
      for (int i = 0; i < 20; i++) {
        byte[] k = TestSupport.key(1000 + i);
        byte[] v = TestSupport.value(3 + i, 10_000);
        e.put(k, v);
        model.put(k, v);
      }
      assertContent(e, model);
      e.verifyIntegrity();
    }
    try (BTreeEngine e = TestSupport.open(dir, "btree.freelist", freelist)) {
      e.verifyIntegrity();
      assertContent(e, model);
    }
  }

  private static boolean equal(TreeMap<byte[], byte[]> a, TreeMap<byte[], byte[]> b) {
    if (a.size() != b.size()) {
      return false;
    }
    for (Map.Entry<byte[], byte[]> e : a.entrySet()) {
      byte[] other = b.get(e.getKey());
      if (other == null || !java.util.Arrays.equals(other, e.getValue())) {
        return false;
      }
    }
    return true;
  }

  static TreeMap<byte[], byte[]> content(BTreeEngine e) {
    TreeMap<byte[], byte[]> m = new TreeMap<>(KeyRange::compare);
    try (ReadTxn t = e.beginRead();
        Cursor c = t.cursor(KeyRange.all())) {
      while (c.next()) {
        m.put(c.key(), c.value());
      }
    }
    return m;
  }

  static void assertContent(BTreeEngine e, TreeMap<byte[], byte[]> model) {
    TreeMap<byte[], byte[]> seen = content(e);
    assertEquals(model.size(), seen.size(), "entry count");
    for (Map.Entry<byte[], byte[]> en : model.entrySet()) {
      assertArrayEquals(en.getValue(), seen.get(en.getKey()));
    }
  }
}
