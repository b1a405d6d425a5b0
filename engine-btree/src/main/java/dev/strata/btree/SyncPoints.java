package dev.strata.btree;

import dev.strata.btree.format.Meta;
import java.util.Arrays;

/**
 * When a {@code NO_SYNC} store syncs, and what it keeps until then. Most {@code NO_SYNC} commits
 * skip both forces and write their meta as unsynced, stamped with this boot's id (see {@link
 * MetaSelector}). A restart then recovers the last meta written after a sync, so the pages that
 * meta reaches are pinned like a reader's snapshot until a commit syncs again: one a second at the
 * latest, or sooner when the pages freed since pass a quarter of the file or {@link
 * #NO_SYNC_MIN_PINNED_BYTES}, whichever is more. Under {@code SYNC} every commit is a sync point
 * and nothing is pinned.
 *
 * <p>The writer (under the engine's writer gate) reads and updates everything here; the background
 * syncer reads {@link #dueByClock} without the gate, which is why the synced meta and its time are
 * volatile.
 */
final class SyncPoints {
  /** Longest a NO_SYNC store goes without a synced meta while it commits. */
  static final long NO_SYNC_INTERVAL_NANOS = 1_000_000_000L;

  /** {@link #NO_SYNC_INTERVAL_NANOS}, shortened by crash tests to put sync points mid-run. */
  static volatile long noSyncIntervalNanos = NO_SYNC_INTERVAL_NANOS;

  /**
   * Bytes of pages freed since the synced meta that make a NO_SYNC commit sync regardless of the
   * clock, when a quarter of the file is less. Each such sync forces every page written since the
   * last one, on the committing thread, so the floor sets how often heavy churn stalls the writer:
   * with a 16 MiB floor, a {@code raft} replica applying entries of 1,200 puts at random keys to a
   * small store synced every third or fourth entry and spent half its apply time doing so. The
   * pinned pages cost file space only while commits free pages faster than the one-second clock.
   */
  static final long NO_SYNC_MIN_PINNED_BYTES = 128L << 20;

  /** {@link #NO_SYNC_MIN_PINNED_BYTES} in this store's pages. */
  private final long minPinnedPages;

  /** This boot's id, stamped on unsynced metas. */
  private final byte[] bootId = BootId.current();

  /** The newest meta written after its pages were synced: what a restart recovers. */
  private volatile Meta synced;

  /** The meta page (0 or 1) holding {@link #synced}; commits write the other one. */
  private int syncedSlot;

  /** When {@link #synced} was written, for the sync interval. */
  private volatile long syncedNanos = System.nanoTime();

  /** Pages commits freed since {@link #synced}: pinned for it. */
  private long freedSinceSync;

  /**
   * @param synced the meta a restart would recover now
   * @param slot the meta page commits do not write next: the one open found the newest meta on
   * @param pageSize the store's page size
   */
  SyncPoints(Meta synced, int slot, int pageSize) {
    this.synced = synced;
    this.syncedSlot = slot;
    this.minPinnedPages = NO_SYNC_MIN_PINNED_BYTES / pageSize;
  }

  /** The last meta a power loss keeps. */
  Meta synced() {
    return synced;
  }

  /** The meta page the next meta goes to: never the one holding the last synced meta. */
  int nextSlot() {
    return 1 - syncedSlot;
  }

  /** The boot id an unsynced meta carries. */
  byte[] bootId() {
    return bootId;
  }

  /**
   * Whether this NO_SYNC commit syncs: once a second, or when the pages pinned for the last synced
   * meta pass a quarter of the file (at least {@link #NO_SYNC_MIN_PINNED_BYTES}).
   *
   * @param freedNow pages the commit freed
   * @param highWater the commit's high-water mark
   */
  boolean due(long freedNow, long highWater) {
    return System.nanoTime() - syncedNanos >= noSyncIntervalNanos
        || freedSinceSync + freedNow >= Math.max(minPinnedPages, highWater / 4);
  }

  /** Whether commits after {@code last} are waiting for a sync that is due by the clock. */
  boolean dueByClock(Meta last) {
    return last.txid() > synced.txid() && System.nanoTime() - syncedNanos >= noSyncIntervalNanos;
  }

  /**
   * Adds the last synced meta's txid to the reader snapshots when later commits were not synced: a
   * restart recovers that meta, so the pages it reaches must stay as they are, like a reader's.
   *
   * @param readers the txids open readers see, ascending and distinct; not modified
   * @param base the meta the commit builds on
   */
  long[] pin(long[] readers, Meta base) {
    long pin = synced.txid();
    if (pin >= base.txid()) {
      return readers;
    }
    int at = Arrays.binarySearch(readers, pin);
    if (at >= 0) {
      return readers;
    }
    int insert = -at - 1;
    long[] pinned = new long[readers.length + 1];
    System.arraycopy(readers, 0, pinned, 0, insert);
    pinned[insert] = pin;
    System.arraycopy(readers, insert, pinned, insert + 1, readers.length - insert);
    return pinned;
  }

  /** Records pages an unsynced commit freed: pinned until the next sync point. */
  void freedUnsynced(long pages) {
    freedSinceSync += pages;
  }

  /** Records that {@code m} is on page {@code slot}, written after its pages were synced. */
  void markSynced(Meta m, int slot) {
    synced = m;
    syncedSlot = slot;
    syncedNanos = System.nanoTime();
    freedSinceSync = 0;
  }
}
