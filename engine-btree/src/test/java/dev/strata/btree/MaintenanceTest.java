package dev.strata.btree;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.EngineOptions;
import dev.strata.api.StorageEngine;
import dev.strata.api.StorageEngines;
import dev.strata.api.WriteTxn;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Backup, compact, freelist persistence modes and stats. */
class MaintenanceTest {
  @TempDir Path dir;

  private static TreeMap<byte[], byte[]> load(BTreeEngine e, int keys) {
    try (WriteTxn t = e.beginWrite()) {
      for (int i = 0; i < keys; i++) {
        t.put(TestSupport.key(i), TestSupport.value(i, i % 97 == 0 ? 9000 : 64));
      }
      t.commit();
    }
    return FaultInjectionTest.content(e);
  }

  @Test
  void backup_whileWriterContinues_opensAsTheSnapshot() throws Exception {
    Path store = dir.resolve("store");
    Path copy = dir.resolve("copy");
    try (BTreeEngine e = TestSupport.openNoSync(store)) {
      TreeMap<byte[], byte[]> before = load(e, 20_000);
      AtomicBoolean stop = new AtomicBoolean();
      Thread writer =
          new Thread(
              () -> {
                long i = 0;
                while (!stop.get()) {
                  try (WriteTxn t = e.beginWrite()) {
                    for (int j = 0; j < 200; j++) {
                      t.put(TestSupport.key(1_000_000 + i++), new byte[100]);
                      t.delete(TestSupport.key(i % 20_000));
                    }
                    t.commit();
                  }
                }
              });
      // The snapshot is the state when backup begins its read transaction.
      e.backup(copy);
      writer.start();
      Thread.sleep(50);
      stop.set(true);
      writer.join();
      try (StorageEngine b = StorageEngines.open("btree", copy)) {
        b.verifyIntegrity();
        FaultInjectionTest.assertContent((BTreeEngine) b, before);
      }
    }
  }

  @Test
  void backup_intoNonEmptyDirectory_isRejected() throws Exception {
    Files.createDirectories(dir.resolve("full"));
    Files.write(dir.resolve("full").resolve("x"), new byte[1]);
    try (BTreeEngine e = TestSupport.open(dir.resolve("store"))) {
      assertThrows(IllegalArgumentException.class, () -> e.backup(dir.resolve("full")));
    }
  }

  @ParameterizedTest(name = "freelist={0}")
  @ValueSource(strings = {"hash", "array"})
  void compact_writesADenseCopyWithTheSameData(String freelist) {
    Path store = dir.resolve("store");
    Path compacted = dir.resolve("compacted");
    TreeMap<byte[], byte[]> data;
    long before;
    try (BTreeEngine e = TestSupport.openNoSync(store, "btree.freelist", freelist)) {
      load(e, 30_000);
      try (WriteTxn t = e.beginWrite()) {
        for (int i = 0; i < 30_000; i += 3) {
          t.delete(TestSupport.key(i));
        }
        t.commit();
      }
      data = FaultInjectionTest.content(e);
      before = (Long) e.stats().get("fileBytes");
      e.compact(compacted);
    }
    try (BTreeEngine c = TestSupport.open(compacted, "btree.freelist", freelist)) {
      c.verifyIntegrity();
      FaultInjectionTest.assertContent(c, data);
      Map<String, Number> s = c.stats();
      assertEquals(0L, s.get("freePages"));
      long after = (Long) s.get("fileBytes");
      assertTrue(after * 2 < before, "compacted " + after + " bytes vs " + before);
      c.put(TestSupport.key(1), new byte[] {1});
      c.verifyIntegrity();
    }
  }

  @Test
  void compact_emptyStore_opens() {
    try (BTreeEngine e = TestSupport.open(dir.resolve("store"))) {
      e.compact(dir.resolve("c"));
    }
    try (BTreeEngine c = TestSupport.open(dir.resolve("c"))) {
      c.verifyIntegrity();
      assertEquals(0L, c.stats().get("keys"));
    }
  }

  @ParameterizedTest(name = "freelist={0}")
  @ValueSource(strings = {"hash", "array"})
  void freelistSyncFalse_rebuildsFreelistOnOpen(String freelist) {
    TreeMap<byte[], byte[]> data;
    try (BTreeEngine e =
        TestSupport.open(dir, "btree.freelistSync", "false", "btree.freelist", freelist)) {
      load(e, 10_000);
      try (WriteTxn t = e.beginWrite()) {
        for (int i = 0; i < 10_000; i += 2) {
          t.delete(TestSupport.key(i));
        }
        t.commit();
      }
      e.verifyIntegrity();
      assertEquals(0L, e.store.meta.freelistPage());
      data = FaultInjectionTest.content(e);
    }
    try (BTreeEngine e =
        TestSupport.open(dir, "btree.freelistSync", "false", "btree.freelist", freelist)) {
      e.verifyIntegrity();
      assertTrue((Long) e.stats().get("freePages") > 0);
      FaultInjectionTest.assertContent(e, data);
      e.put(TestSupport.key(3), new byte[] {3});
      data.put(TestSupport.key(3), new byte[] {3});
    }
    // Switching back to a stored freelist works from either state.
    try (BTreeEngine e = TestSupport.open(dir, "btree.freelist", freelist)) {
      e.verifyIntegrity();
      e.put(TestSupport.key(5), new byte[] {5});
      data.put(TestSupport.key(5), new byte[] {5});
      assertTrue(e.store.meta.freelistPage() != 0);
    }
    try (BTreeEngine e = TestSupport.open(dir, "btree.freelist", freelist)) {
      e.verifyIntegrity();
      FaultInjectionTest.assertContent(e, data);
    }
  }

  /**
   * Regression: rebuilding the freelist used to count the stored freelist run (still named by the
   * meta on disk) as free; the next commit freed it again past the lowered high-water mark, and a
   * later growth handed the same page out twice.
   */
  @Test
  void compactedStore_reopenedWithFreelistSyncFalse_thenTrue_staysConsistent() {
    try (BTreeEngine e = TestSupport.open(dir.resolve("store"))) {
      load(e, 3000);
      e.compact(dir.resolve("c"));
    }
    for (String sync : new String[] {"false", "true", "false"}) {
      try (BTreeEngine c = TestSupport.open(dir.resolve("c"), "btree.freelistSync", sync)) {
        c.verifyIntegrity();
        for (int i = 0; i < 50; i++) {
          c.put(TestSupport.key(100_000 + i), new byte[100 + i]);
        }
        c.verifyIntegrity();
      }
    }
  }

  @Test
  void stats_reportTheDocumentedKeys() {
    try (BTreeEngine e = TestSupport.open(dir)) {
      load(e, 5000);
      Map<String, Number> s = e.stats();
      assertEquals(
          Set.of(
              "freelistDeltas",
              "fileBytes",
              "pageSize",
              "highWaterPages",
              "pagesInUse",
              "freePages",
              "freeRuns",
              "pendingPages",
              "treeDepth",
              "branchPages",
              "leafPages",
              "overflowPages",
              "keys",
              "txid",
              "syncedTxid",
              "openReaders",
              "freelistRebuildMillis",
              "oneSyncCommits",
              "commits",
              "pageAllocationNanos"),
          s.keySet());
      assertEquals(5000L, s.get("keys"));
      assertEquals(4096, s.get("pageSize"));
      assertTrue((Long) s.get("overflowPages") > 0);
      assertTrue((Long) s.get("fileBytes") >= (Long) s.get("highWaterPages") * 4096);
      assertEquals(
          (long) (Long) s.get("highWaterPages"),
          (Long) s.get("pagesInUse") + (Long) s.get("freePages") + (Long) s.get("pendingPages"));
    }
  }

  @Test
  void stats_countCommitsAndTheirFreelistTime_sinceOpen() {
    try (BTreeEngine e = TestSupport.open(dir)) {
      Map<String, Number> before = e.stats();
      for (int i = 0; i < 20; i++) {
        // Replacing a 3-page overflow value frees and allocates pages in every commit.
        e.put(new byte[] {1}, new byte[10_000 + i]);
      }
      Map<String, Number> after = e.stats();
      assertEquals(20L, after.get("commits").longValue() - before.get("commits").longValue());
      assertTrue(
          after.get("pageAllocationNanos").longValue()
              > before.get("pageAllocationNanos").longValue(),
          after.toString());
    }
    try (BTreeEngine e = TestSupport.open(dir)) {
      assertEquals(0L, e.stats().get("commits").longValue(), "counted since open");
    }
  }

  @Test
  void readOnlyOpen_readsAndRefusesWrites() {
    try (BTreeEngine e = TestSupport.open(dir)) {
      e.put(new byte[] {1}, new byte[] {2});
    }
    try (StorageEngine e =
        StorageEngines.open("btree", dir, EngineOptions.builder().readOnly(true).build())) {
      assertArrayEquals(new byte[] {2}, e.get(new byte[] {1}));
      assertThrows(UnsupportedOperationException.class, e::beginWrite);
      e.verifyIntegrity();
    }
  }
}
