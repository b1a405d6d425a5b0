package dev.strata.btree;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.CorruptionException;
import dev.strata.api.ReadTxn;
import dev.strata.api.WriteTxn;
import dev.strata.btree.format.Meta;
import dev.strata.btree.format.PageFormat;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code btree.commitSyncs}: how many syncs a {@code SYNC} commit makes, when a commit falls back
 * to two, and the commit record's life: written by a one-sync commit, reached from its meta, freed
 * by the next commit like any replaced run, checked by {@code verifyIntegrity()} and at open.
 */
class CommitSyncsTest {
  @TempDir Path dir;

  @AfterEach
  void defaultBound() {
    Store.oneSyncMaxPagesOverride = 0;
  }

  private static void putRange(BTreeEngine e, int from, int count, int valueSize) {
    try (WriteTxn t = e.beginWrite()) {
      for (int i = from; i < from + count; i++) {
        t.put(TestSupport.key(i), TestSupport.value(i, valueSize));
      }
      t.commit();
    }
  }

  private static long syncsOf(BTreeEngine e, Runnable commit) {
    long before = e.meter().syncs();
    commit.run();
    return e.meter().syncs() - before;
  }

  @ParameterizedTest(name = "commitSyncs={0}")
  @ValueSource(ints = {1, 2})
  void aSmallSyncCommit_syncsAsOftenAsSet(int commitSyncs) {
    try (BTreeEngine e =
        TestSupport.open(
            dir,
            "btree.commitSyncs",
            String.valueOf(commitSyncs),
            "btree.earlyWriteback",
            "false")) {
      putRange(e, 0, 200, 50);
      for (int round = 1; round <= 5; round++) {
        int from = round * 1000;
        assertEquals(commitSyncs, syncsOf(e, () -> putRange(e, from, 20, 50)), "syncs per commit");
        assertEquals(commitSyncs == 1, e.store.meta.oneSync(), "a commit record iff one sync");
      }
      assertEquals(commitSyncs == 1 ? 6L : 0L, e.stats().get("oneSyncCommits"));
      e.verifyIntegrity();
    }
  }

  @Test
  void aCommitOverTheBound_syncsTwiceWithoutARecord_theNextSmallOneOnceAgain() {
    Store.oneSyncMaxPagesOverride = 8;
    try (BTreeEngine e = TestSupport.open(dir, "btree.earlyWriteback", "false")) {
      putRange(e, 0, 20, 50);
      assertTrue(e.store.meta.oneSync());
      Meta small = e.store.meta;
      assertEquals(2, syncsOf(e, () -> putRange(e, 1000, 400, 200)), "a large commit syncs twice");
      assertFalse(e.store.meta.oneSync(), "no record for a commit synced twice");
      // The replaced record is pending, not leaked: the check counts every page.
      assertTrue(e.store.freelist.isPending(small.recordPage()));
      e.verifyIntegrity();
      assertEquals(1, syncsOf(e, () -> putRange(e, 5000, 2, 50)));
      assertTrue(e.store.meta.oneSync());
      e.verifyIntegrity();
    }
    try (BTreeEngine e = TestSupport.open(dir)) {
      assertEquals(422, count(e));
      e.verifyIntegrity();
    }
  }

  @Test
  void theRecord_isReachedFromItsMeta_thenPendingThenReused_andCountedInStats() {
    try (BTreeEngine e = TestSupport.open(dir)) {
      putRange(e, 0, 300, 60);
      Meta first = e.store.meta;
      assertTrue(first.oneSync());
      assertFalse(e.store.freelist.isFree(first.recordPage()));
      assertFalse(e.store.freelist.isPending(first.recordPage()));
      checkPageAccounting(e);
      try (ReadTxn pin = e.beginRead()) {
        putRange(e, 1000, 5, 60);
        assertTrue(e.store.freelist.isPending(first.recordPage()), "freed by the next commit");
        putRange(e, 2000, 5, 60);
        // A reader of the first state keeps everything that state reached, its record included.
        assertTrue(e.store.freelist.isPending(first.recordPage()), "pinned by the reader");
        checkPageAccounting(e);
        e.verifyIntegrity();
        assertEquals(300, countIn(pin));
      }
      putRange(e, 3000, 5, 60);
      assertFalse(
          e.store.freelist.isPending(first.recordPage()), "released once no reader needs it");
      checkPageAccounting(e);
      e.verifyIntegrity();
    }
  }

  @Test
  void noSyncCommits_writeNoRecord() {
    try (BTreeEngine e = TestSupport.openNoSync(dir)) {
      for (int round = 0; round < 5; round++) {
        putRange(e, round * 100, 30, 50);
        assertFalse(e.store.meta.oneSync());
      }
      assertEquals(0L, e.stats().get("oneSyncCommits"));
      e.verifyIntegrity();
    }
  }

  @Test
  void commitSyncsOutOfRange_isRejectedByName() {
    IllegalArgumentException ex =
        assertThrows(
            IllegalArgumentException.class,
            () -> TestSupport.open(dir, "btree.commitSyncs", "3").close());
    assertTrue(ex.getMessage().contains("commitSyncs"), ex.getMessage());
  }

  /**
   * A commit record damaged on disk: {@code verifyIntegrity()} names its page, and a reopen no
   * longer trusts the meta that names it and rolls back to the commit before.
   */
  @Test
  void aDamagedRecord_failsTheCheck_andOpenRollsBackToThePreviousCommit() throws IOException {
    Meta last;
    try (BTreeEngine e = TestSupport.open(dir)) {
      putRange(e, 0, 100, 60);
      putRange(e, 1000, 10, 60);
      last = e.store.meta;
      flipByteOfEntry(last, 0);
      CorruptionException ex = assertThrows(CorruptionException.class, e::verifyIntegrity);
      assertTrue(ex.getMessage().contains("page " + last.recordPage()), ex.getMessage());
    }
    try (BTreeEngine e = TestSupport.open(dir)) {
      assertEquals(last.txid() - 1, e.store.meta.txid(), "rolled back past the damaged record");
      assertEquals(100, count(e));
      e.verifyIntegrity();
      putRange(e, 5000, 10, 60);
      e.verifyIntegrity();
    }
  }

  /** A listed run that no longer holds what the commit wrote fails the check, naming its page. */
  @Test
  void aListedRunChangedOnDisk_failsTheCheck() throws IOException {
    try (BTreeEngine e = TestSupport.open(dir)) {
      putRange(e, 0, 100, 60);
      putRange(e, 1000, 10, 3000);
      Meta last = e.store.meta;
      // The first listed run's first used byte past its header.
      long run = firstListedRun(last);
      try (FileChannel ch = FileChannel.open(file(), StandardOpenOption.WRITE)) {
        ch.write(ByteBuffer.wrap(new byte[] {0x55, 0x55}), run * 4096 + PageFormat.HEADER_SIZE + 8);
      }
      CorruptionException ex = assertThrows(CorruptionException.class, e::verifyIntegrity);
      assertTrue(ex.getMessage().contains("page " + run), ex.getMessage());
    }
  }

  private Path file() {
    return dir.resolve(Store.FILE_NAME);
  }

  private long firstListedRun(Meta m) throws IOException {
    try (FileChannel ch = FileChannel.open(file(), StandardOpenOption.READ)) {
      ByteBuffer b = ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN);
      ch.read(b, m.recordPage() * 4096 + PageFormat.HEADER_SIZE + CommitRecord.FIELDS);
      return b.getLong(0);
    }
  }

  private void flipByteOfEntry(Meta m, int entry) throws IOException {
    long at =
        m.recordPage() * 4096
            + PageFormat.HEADER_SIZE
            + CommitRecord.FIELDS
            + (long) entry * CommitRecord.ENTRY
            + 12;
    try (FileChannel ch =
        FileChannel.open(file(), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ByteBuffer b = ByteBuffer.allocate(1);
      ch.read(b, at);
      b.put(0, (byte) (b.get(0) ^ 0x10)).position(0);
      ch.write(b, at);
    }
  }

  private static void checkPageAccounting(BTreeEngine e) {
    Map<String, Number> s = e.stats();
    assertEquals(
        s.get("highWaterPages").longValue(),
        s.get("pagesInUse").longValue()
            + s.get("freePages").longValue()
            + s.get("pendingPages").longValue(),
        s.toString());
  }

  private static int count(BTreeEngine e) {
    try (ReadTxn t = e.beginRead()) {
      return countIn(t);
    }
  }

  private static int countIn(ReadTxn t) {
    int n = 0;
    try (var c = t.cursor(dev.strata.api.KeyRange.all())) {
      while (c.next()) {
        n++;
      }
    }
    return n;
  }
}
