package dev.strata.btree;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.strata.api.Durability;
import dev.strata.api.EngineOptions;
import dev.strata.api.KeyRange;
import dev.strata.api.WriteTxn;
import java.nio.file.Path;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The early write-back helper: it syncs from its own thread while a big SYNC commit writes, the
 * meter counts its syncs, it stays out of small commits (and of commits near one batch), NO_SYNC
 * and opted-out commits, and close stops it. Its failures are in {@link FaultInjectionTest} ({@code
 * FAIL_EARLY_SYNC}).
 */
class EarlyWritebackTest {
  @TempDir Path dir;

  @Test
  void bigSyncCommit_alsoSyncsFromTheHelper_countedByTheMeter_andKeepsEveryValue() {
    assumeTrue(EarlyWriteback.worthwhile(), "one core: no helper");
    FaultyPageIO[] io = new FaultyPageIO[1];
    TreeMap<byte[], byte[]> model = new TreeMap<>(KeyRange::compare);
    try (BTreeEngine e = open(EngineOptions.builder().build(), io)) {
      commit(e, 0, 100, model);
      assertEquals(0, io[0].helperSyncs.get(), "a commit of a few pages needs no helper");
      long syncsBefore = e.meter().snapshot().syncs();
      long oneSyncBefore = (Long) e.stats().get("oneSyncCommits");
      // Three commits of a thousand pages or more, each asking the helper several times: a
      // request is dropped only if the helper has not begun it when the commit waits for it.
      for (int round = 1; round <= 3; round++) {
        commit(e, round, 4000, model);
      }
      int helper = io[0].helperSyncs.get();
      assertTrue(helper >= 1, "the helper never synced a commit of thousands of pages");
      long oneSync = (Long) e.stats().get("oneSyncCommits") - oneSyncBefore;
      assertEquals(syncsBefore + 3 * 2 - oneSync + helper, e.meter().snapshot().syncs());
      e.verifyIntegrity();
      FaultInjectionTest.assertContent(e, model);
      assertTrue(helperAlive(), "the helper thread should wait for the next commit");
    }
    assertFalse(helperAlive(), "close left the helper thread running");
    try (BTreeEngine e = TestSupport.open(dir)) {
      e.verifyIntegrity();
      FaultInjectionTest.assertContent(e, model);
    }
  }

  @Test
  void aCommitNearTheBatchSize_isNotAskedToSyncEarly_largerOnesAre() {
    assumeTrue(EarlyWriteback.worthwhile(), "one core: no helper");
    FaultyPageIO[] io = new FaultyPageIO[1];
    try (BTreeEngine e = open(EngineOptions.builder().build(), io)) {
      // 300 values of one overflow page each: past the 256 pages of a batch, but with fewer than
      // half a batch left to write, the helper's sync would only delay the commit's own.
      overflowCommit(e, 0, 300);
      assertEquals(0, io[0].helperSyncs.get(), "a commit of about 300 pages asked the helper");
      // Larger commits ask several times; as in the test above, a request is dropped when the
      // helper has not begun it by the time the commit waits, so give it three commits of 2,000.
      for (int round = 1; round <= 3; round++) {
        overflowCommit(e, round, 2000);
      }
      assertTrue(io[0].helperSyncs.get() >= 1, "commits of about 2,000 pages never asked");
      e.verifyIntegrity();
    }
  }

  /** One transaction of {@code puts} values of 3,000 bytes, each an overflow run of one page. */
  private static void overflowCommit(BTreeEngine e, int round, int puts) {
    try (WriteTxn t = e.beginWrite()) {
      for (int i = 0; i < puts; i++) {
        t.put(TestSupport.key(round * 1_000_000L + i), TestSupport.value(i, 3000));
      }
      t.commit();
    }
  }

  @Test
  void noSyncOrOptedOut_neverStartsTheHelper() {
    FaultyPageIO[] io = new FaultyPageIO[1];
    TreeMap<byte[], byte[]> model = new TreeMap<>(KeyRange::compare);
    EngineOptions noSync = EngineOptions.builder().durability(Durability.NO_SYNC).build();
    try (BTreeEngine e = open(noSync, io)) {
      commit(e, 0, 4000, model);
      assertEquals(0, io[0].helperSyncs.get());
      assertFalse(helperAlive());
    }
    EngineOptions off = EngineOptions.builder().set("btree.earlyWriteback", "false").build();
    try (BTreeEngine e = open(off, io)) {
      commit(e, 4, 4000, model);
      assertEquals(0, io[0].helperSyncs.get());
      assertFalse(helperAlive());
      FaultInjectionTest.assertContent(e, model);
    }
  }

  private BTreeEngine open(EngineOptions options, FaultyPageIO[] io) {
    return BTreeEngine.open(
        dir, options, f -> io[0] = new FaultyPageIO(f.channel(), Settings.DEFAULT_PAGE_SIZE));
  }

  /** One transaction of {@code puts} keys, every twentieth value a three-page overflow run. */
  private static void commit(BTreeEngine e, int round, int puts, TreeMap<byte[], byte[]> model) {
    try (WriteTxn t = e.beginWrite()) {
      for (int i = 0; i < puts; i++) {
        byte[] k = TestSupport.key(round * 1_000_000L + i);
        byte[] v = TestSupport.value(round * 7919L + i, i % 20 == 0 ? 9000 : 60);
        t.put(k, v);
        model.put(k, v);
      }
      t.commit();
    }
  }

  /** Whether this test's store has a live helper thread (other tests' stores do not count). */
  private boolean helperAlive() {
    String name = Store.EARLY_WRITEBACK_THREAD + " " + dir.resolve(Store.FILE_NAME);
    return Thread.getAllStackTraces().keySet().stream()
        .anyMatch(t -> t.getName().equals(name) && t.isAlive());
  }
}
