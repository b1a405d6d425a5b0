package dev.strata.btree;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.btree.format.Meta;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** When a NO_SYNC commit syncs, and the synced meta's snapshot pinned until then. */
class SyncPointsTest {
  private static final int PAGE_SIZE = 4096;

  @BeforeEach
  void clockNeverDue() {
    // Only the pinned-page threshold decides, whatever the machine's speed.
    SyncPoints.noSyncIntervalNanos = Long.MAX_VALUE;
  }

  @AfterEach
  void restoreClock() {
    SyncPoints.noSyncIntervalNanos = SyncPoints.NO_SYNC_INTERVAL_NANOS;
  }

  private static Meta meta(long txid) {
    return new Meta(PAGE_SIZE, 2, 0, 0, 3, txid);
  }

  @Test
  void pin_addsTheSyncedTxid_inOrder_onlyWhileLaterCommitsAreUnsynced() {
    SyncPoints points = new SyncPoints(meta(5), 0, PAGE_SIZE);
    long[] readers = {3, 7, 9};
    assertArrayEquals(new long[] {3, 5, 7, 9}, points.pin(readers, meta(10)));
    assertArrayEquals(new long[] {5}, points.pin(new long[0], meta(6)));
    assertSame(readers, points.pin(readers, meta(5)), "nothing unsynced after the synced meta");
    long[] already = {5, 8};
    assertSame(already, points.pin(already, meta(10)), "a reader already pins the synced txid");
    assertArrayEquals(new long[] {3, 7, 9}, readers, "the readers' array is not modified");
  }

  @Test
  void due_whenPagesFreedSinceTheSyncReachAQuarterOfTheFile_atLeastTheMinimum() {
    SyncPoints points = new SyncPoints(meta(1), 0, PAGE_SIZE);
    long min = SyncPoints.NO_SYNC_MIN_PINNED_BYTES / PAGE_SIZE;
    assertFalse(points.due(min - 1, 100));
    assertTrue(points.due(min, 100));
    assertFalse(points.due(min, 4 * min + 4));
    assertTrue(points.due(min + 1, 4 * min + 4));
    points.freedUnsynced(min - 10);
    assertTrue(points.due(10, 100), "pages freed by earlier unsynced commits count");
    points.markSynced(meta(2), 1);
    assertFalse(points.due(10, 100), "a sync point unpins them");
  }

  @Test
  void nextSlot_isNeverTheSyncedMetasPage() {
    SyncPoints points = new SyncPoints(meta(1), 0, PAGE_SIZE);
    assertEquals(1, points.nextSlot());
    points.markSynced(meta(2), 1);
    assertEquals(0, points.nextSlot());
    assertEquals(2, points.synced().txid());
  }

  @Test
  void dueByClock_onlyWithUnsyncedCommits_andOnceTheIntervalPassed() {
    SyncPoints points = new SyncPoints(meta(4), 0, PAGE_SIZE);
    assertFalse(points.dueByClock(meta(5)), "the interval has not passed");
    SyncPoints.noSyncIntervalNanos = 0;
    assertTrue(points.dueByClock(meta(5)));
    assertFalse(points.dueByClock(meta(4)), "nothing to sync");
  }
}
