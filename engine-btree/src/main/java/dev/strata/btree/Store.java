package dev.strata.btree;

import dev.strata.api.Durability;
import dev.strata.api.EngineFailedException;
import dev.strata.api.StorageException;
import dev.strata.api.WriteAmplificationMeter;
import dev.strata.api.spi.FileIO;
import dev.strata.btree.format.Meta;
import dev.strata.btree.format.PageFormat;
import dev.strata.freelist.Freelist;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The open data file and its commit protocol. {@link StoreOpener} opens it; {@link #commit} turns a
 * {@link TreeUpdate} into the next committed state: the changed nodes and the freelist go to pages
 * no committed meta reaches, each written as soon as it is sealed. A small {@code SYNC} commit then
 * writes a {@link CommitRecord} listing those runs and the meta page the last synced meta is not
 * on, and syncs once (open verifies the record before it trusts such a meta); a large one, or any
 * with {@code btree.commitSyncs=2}, syncs, writes the meta page, and syncs again. Commits run under
 * the engine's writer gate.
 *
 * <p>Under {@code NO_SYNC} most commits skip both syncs and write their meta as unsynced; {@link
 * SyncPoints} decides when a commit syncs and which pages stay pinned until then. A failure once
 * the meta write may have begun stops writes until the store is reopened ({@link #failure}).
 */
final class Store {
  static final String FILE_NAME = PageFormat.DATA_FILE;

  /** The early write-back helper's thread name, followed by the store's file name. */
  static final String EARLY_WRITEBACK_THREAD = "strata-btree-writeback";

  private static final System.Logger LOG = System.getLogger(Store.class.getName());

  final Path directory;
  final Path path;
  final Settings settings;
  private final FileChannel channel;
  private final FileLock lock;
  final PageFile file;
  final int pageSize;
  final WriteAmplificationMeter meter;

  /** The file seam every write goes through, backups and compaction included. */
  final FileIO fileIO;

  /** The last committed state; what new readers see. */
  volatile Meta meta;

  /** Writer-only (guarded by the engine's writer gate). */
  Freelist freelist;

  /** Where the freelist the last meta names is stored; writer-only. */
  FreelistLog.Chain chain;

  /** Writes each commit's runs; writer-only. */
  private final CommitWriter writer;

  /** Pages of nodes in page form, recycled once a commit has written them; writer-only. */
  final PageBuffers pageBuffers;

  /** What the running commit took from and gave to the freelist; writer-only. */
  private final FreelistLog.Changes changes = new FreelistLog.Changes();

  /** Set when a failure may have left the meta page on disk ahead of memory. */
  volatile StorageException failure;

  /** The last synced meta and when the next commit syncs. */
  private final SyncPoints syncPoints;

  /** Shrinks the file when its end is free; writer-only. */
  private final FileTail tail;

  /** Nanoseconds the last open spent rebuilding the freelist by walking the tree (0 if loaded). */
  final long freelistRebuildNanos;

  /** Commits since open; writer-only (stats runs under the writer gate). */
  long commits;

  /** Of {@link #commits}, those that synced once, with a commit record; writer-only. */
  long oneSyncCommits;

  /**
   * The most bytes of runs a one-sync commit writes (16 MiB, 4,096 pages of 4 KiB): open reads and
   * checksums all of them to accept the commit, about a tenth of a second from a disk that reads
   * 200 MB/s and far less from the page cache, and a commit writing more spends far longer writing
   * than in its second sync. Larger commits sync twice and need no record.
   */
  static final long ONE_SYNC_MAX_BYTES = 16L << 20;

  /** When positive, replaces the page bound of {@link #ONE_SYNC_MAX_BYTES}; for tests. */
  static volatile long oneSyncMaxPagesOverride;

  /**
   * Nanoseconds the commits since open spent in the freelist (allocate, free, release of pending
   * pages): bbolt's spill-time figure for page allocation. Writer-only, like {@link #commits}.
   */
  long pageAllocationNanos;

  Store(
      Path directory,
      Path path,
      Settings settings,
      FileChannel channel,
      FileLock lock,
      PageFile file,
      Meta meta,
      SyncPoints syncPoints,
      WriteAmplificationMeter meter,
      long rebuildNanos,
      Freelist freelist,
      FreelistLog.Chain chain,
      FileIO fileIO) {
    this.directory = directory;
    this.path = path;
    this.settings = settings;
    this.channel = channel;
    this.lock = lock;
    this.file = file;
    this.pageSize = meta.pageSize();
    this.meta = meta;
    this.syncPoints = syncPoints;
    this.meter = meter;
    this.freelistRebuildNanos = rebuildNanos;
    this.freelist = freelist;
    this.chain = chain;
    this.fileIO = fileIO;
    this.pageBuffers = new PageBuffers(pageSize);
    this.tail = new FileTail(file, channel, pageSize);
    EarlyWriteback early =
        !settings.readOnly()
                && settings.durability() == Durability.SYNC
                && settings.earlyWriteback()
                && EarlyWriteback.worthwhile()
            ? new EarlyWriteback(file, EARLY_WRITEBACK_THREAD + " " + path)
            : null;
    this.writer = new CommitWriter(file, channel, pageSize, pageBuffers, early);
  }

  // ---------------------------------------------------------------- commit

  /**
   * Commits {@code update} as transaction {@code meta.txid() + 1}.
   *
   * @param readerSnapshots the txids open readers see, ascending and distinct
   * @return the new meta, already durable (under SYNC) and published
   * @throws EngineFailedException if an earlier failure stopped writes
   * @throws StorageException (a {@code StorageFullException} for a full disk) if the commit fails;
   *     the store is as before it, or refuses writes when the failure may have reached the meta
   */
  Meta commit(TreeUpdate update, long[] readerSnapshots) {
    if (failure != null) {
      throw new EngineFailedException(
          path + " refuses writes after an earlier failure: " + failure.getMessage(), failure);
    }
    Commit c = new Commit(meta);
    // Pages freed before every open snapshot are reusable now; under NO_SYNC the last synced meta
    // counts as a snapshot, since a restart returns to it.
    long releaseStart = System.nanoTime();
    releasePending(c.base, syncPoints.pin(readerSnapshots, c.base));
    pageAllocationNanos += System.nanoTime() - releaseStart;
    changes.clear();
    try {
      // 1. Take the free run at the end of the file back, so this commit may shrink the file.
      FileTail.trim(freelist, changes, c.txid, c.highWater);
      // The base meta's commit record is replaced like any run: pending until no meta needs it.
      if (c.base.oneSync()) {
        c.free(c.base.recordPage(), c.base.recordPages());
      }
      // 2. Rebalance and spill the tree: every changed node to new pages, written once sealed.
      writer.begin(c.base.highWater(), update.expectedPages());
      long root = update.spill(c);
      // A small SYNC commit syncs once and lists its runs in a commit record, allocated now so
      // that the stored freelist accounts for it.
      boolean oneSync = oneSync();
      long recordPage = 0;
      int recordPages = 0;
      if (oneSync) {
        recordPages =
            CommitRecord.pagesFor(writer.runs.size() + (settings.freelistSync() ? 1 : 0), pageSize);
        recordPage = c.allocate(recordPages);
      }
      // 3. Store the freelist as it is after this commit, and write it.
      FreelistLog.Chain nextChain = storeFreelist(c);
      int recordCrc = 0;
      if (oneSync) {
        ByteBuffer record =
            CommitRecord.encode(writer.runs, recordPage, recordPages, c.txid, pageSize);
        recordCrc = CommitRecord.crcOf(record);
        writer.write(new TreeUpdate.Dirty(recordPage, record));
      }
      // 4. Write what is held for joining, make the file as long as the high-water mark, give
      // the written page buffers back.
      writer.flush();
      writer.ensureFileSize(c.highWater[0]);
      writer.recycle();
      Meta next =
          new Meta(
              pageSize,
              root,
              nextChain.headPage(),
              nextChain.headPages(),
              c.highWater[0],
              c.txid,
              recordPage,
              recordPages,
              recordCrc);
      boolean sync;
      if (oneSync) {
        // 5-6. The helper's syncs end first (a failure there still rolls back), then the meta
        // goes on the page the last synced meta is not on, and one sync makes all of it durable.
        writer.finishEarlyWriteback();
        writeMeta(c, next, true);
        sync = true;
        oneSyncCommits++;
      } else {
        // 5. Sync the pages: every commit under SYNC, a sync point's commit under NO_SYNC.
        sync = syncPages(c);
        // 6. Write the meta on the page the last synced meta is not on; sync it with the pages.
        writeMeta(c, next, sync);
      }
      // 7. Publish it to new readers, and cut the free end of the file.
      meta = next;
      chain = nextChain;
      tail.shrinkAfterCommit(next, c.base, sync, syncPoints.synced());
      commits++;
      return next;
    } catch (IOException | RuntimeException e) {
      StorageException failed = CommitFailures.translate(path, e, c.txid);
      undoFailedCommit(c.txid, c.metaStarted || c.coversEarlier, failed);
      throw failed;
    } catch (Error e) {
      // An OutOfMemoryError (the copy of a large value, a temporary direct buffer for a write)
      // must undo this txid's allocations and frees like any other failure: left pending, a later
      // commit under the same txid would release pages the tree still uses. Rethrown as it is.
      undoFailedCommit(
          c.txid,
          c.metaStarted || c.coversEarlier,
          new StorageException(path + ": commit of txid " + c.txid + " failed: " + e, e));
      throw e;
    }
  }

  /**
   * One commit in progress, and the pager its spill allocates, frees and writes through: pages come
   * from the freelist, else from the end of the file.
   */
  private final class Commit implements TreeUpdate.Pager {
    final Meta base;
    final long txid;

    /** The commit's high-water mark, in an array so {@link FileTail#trim} can lower it. */
    final long[] highWater;

    /** Pages this commit freed. */
    long freed;

    /** The meta write began: it may be on disk, whatever memory says. */
    boolean metaStarted;

    /** The commit's sync also covers earlier unsynced commits. */
    boolean coversEarlier;

    Commit(Meta base) {
      this.base = base;
      this.txid = base.txid() + 1;
      this.highWater = new long[] {base.highWater()};
    }

    @Override
    public long allocate(int pages) {
      long start = System.nanoTime();
      long p = freelist.allocate(txid, pages);
      pageAllocationNanos += System.nanoTime() - start;
      if (p == Freelist.NONE) {
        p = highWater[0];
        highWater[0] += pages;
      } else {
        changes.removed(p, pages);
      }
      return p;
    }

    @Override
    public void free(long pgid, int pages) {
      if (pgid < 2 || pgid + pages > highWater[0]) {
        throw new IllegalStateException(
            path
                + ": internal error: freeing pages "
                + pgid
                + ".."
                + (pgid + pages - 1)
                + " outside the file (high-water "
                + highWater[0]
                + ")");
      }
      long start = System.nanoTime();
      freelist.free(txid, pgid, pages);
      pageAllocationNanos += System.nanoTime() - start;
      changes.added(pgid, pages);
      freed += pages;
    }

    @Override
    public void write(TreeUpdate.Dirty run) {
      try {
        writer.write(run);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /**
   * Frees what no reader can see: pages freed before the oldest reader's snapshot, and (bbolt's
   * refinement) pages born and freed between two readers' snapshots.
   */
  private void releasePending(Meta base, long[] readers) {
    if (readers.length == 0) {
      freelist.release(Long.MAX_VALUE);
      return;
    }
    freelist.release(readers[0] + 1);
    for (int i = 0; i < readers.length; i++) {
      long end = i + 1 < readers.length ? readers[i + 1] : base.txid();
      if (readers[i] + 1 <= end) {
        freelist.releaseRange(readers[i] + 1, end);
      }
    }
  }

  /**
   * Stores the freelist: a delta of this commit's changes or a new snapshot (or, with {@code
   * btree.freelistSync=false}, nothing, freeing the stored one) and writes its runs.
   *
   * @return the chain the new meta names
   */
  private FreelistLog.Chain storeFreelist(Commit c) throws IOException {
    if (!settings.freelistSync()) {
      FreelistLog.free(chain, c);
      return FreelistLog.Chain.NONE;
    }
    List<TreeUpdate.Dirty> dirty = new ArrayList<>();
    FreelistLog.Chain nextChain =
        FreelistLog.store(
            chain,
            freelist,
            changes,
            c,
            () -> Math.max(c.base.highWater(), c.highWater[0]),
            c.txid,
            pageSize,
            settings.freelistLogPercent(),
            dirty);
    for (TreeUpdate.Dirty d : dirty) {
      writer.write(d);
    }
    return nextChain;
  }

  /**
   * Syncs the commit's pages when it is a sync point, and waits for the early write-back helper.
   *
   * @return whether it synced
   */
  private boolean syncPages(Commit c) throws IOException {
    boolean sync =
        settings.durability() == Durability.SYNC || syncPoints.due(c.freed, c.highWater[0]);
    // A sync under NO_SYNC also covers earlier unsynced commits: if it fails, their pages may
    // be lost (Linux marks pages clean after a failed write-back), so writes must stop.
    c.coversEarlier = sync && syncPoints.synced().txid() < c.base.txid();
    if (sync) {
      file.force();
      writer.finishEarlyWriteback();
    }
    return sync;
  }

  /**
   * Whether this commit syncs once: under {@code SYNC} with {@code btree.commitSyncs=1}, when the
   * runs written so far and the freelist run still to come stay within {@link #oneSyncMaxPages},
   * which bounds what open reads to verify the commit.
   */
  private boolean oneSync() {
    if (settings.durability() != Durability.SYNC || settings.commitSyncs() != 1) {
      return false;
    }
    long freelistPages =
        settings.freelistSync()
            ? FreelistLog.plannedPages(
                chain, freelist, changes, pageSize, settings.freelistLogPercent())
            : 0;
    return writer.runs.pages() + freelistPages <= oneSyncMaxPages(pageSize);
  }

  /**
   * The most pages a one-sync commit writes: {@link #ONE_SYNC_MAX_BYTES} of pages, or the override
   * crash tests set.
   */
  static long oneSyncMaxPages(int pageSize) {
    long override = oneSyncMaxPagesOverride;
    return override > 0 ? override : Math.max(1, ONE_SYNC_MAX_BYTES / pageSize);
  }

  /**
   * Writes the commit's meta on the page the last synced meta is not on, so a torn write leaves
   * that one intact; syncs it when the commit syncs (for a one-sync commit, the commit's only
   * sync), else marks it unsynced with the boot id.
   */
  private void writeMeta(Commit c, Meta next, boolean sync) throws IOException {
    int slot = syncPoints.nextSlot();
    c.metaStarted = true;
    file.write(slot, next.encode(slot, sync ? null : syncPoints.bootId()));
    if (sync) {
      try {
        file.force();
      } catch (IOException e) {
        if (next.oneSync()) {
          restoreBaseMeta(c, slot, e);
        }
        throw e;
      }
      syncPoints.markSynced(next, slot);
    } else {
      syncPoints.freedUnsynced(c.freed);
    }
  }

  /**
   * After the one sync of a one-sync commit failed, puts the base meta (the last committed one,
   * synced: one-sync commits run only under {@code SYNC}) on the failed meta's page too, so a
   * reopen finds the store as before the failed commit rather than a commit whose outcome was
   * reported as a failure. Best effort: the page cache then holds the base meta on both pages, and
   * a sync that succeeds makes that durable; if it fails as well, only a power loss before the
   * kernel writes the page back can still show the failed commit.
   */
  private void restoreBaseMeta(Commit c, int slot, IOException failure) {
    try {
      file.write(slot, c.base.encode(slot, null));
      file.force();
    } catch (IOException | RuntimeException e) {
      failure.addSuppressed(e);
    }
  }

  /**
   * Rolls the freelist back to before the failed commit, or, once the meta write began, stops
   * writes: the meta may be on disk while memory says otherwise, and reusing this txid's pages
   * could then corrupt the store, so only a reopen reads the truth from disk.
   */
  private void undoFailedCommit(long txid, boolean metaStarted, StorageException failed) {
    writer.abandon(failed);
    if (metaStarted) {
      failure = failed;
      return;
    }
    try {
      freelist.rollback(txid);
    } catch (RuntimeException rollbackFailure) {
      failed.addSuppressed(rollbackFailure);
      failure = failed;
    }
  }

  // ---------------------------------------------------------------- NO_SYNC syncs

  /** The last commit a power loss keeps; writer-only (stats runs under the writer gate). */
  long syncedTxid() {
    return syncPoints.synced().txid();
  }

  /** Whether NO_SYNC commits are waiting for a sync that is due by the clock; any thread. */
  boolean syncDue() {
    return syncPoints.dueByClock(meta);
  }

  /**
   * Syncs the NO_SYNC commits since the last synced meta: force, rewrite the newest meta as synced
   * on its page, force. A failure stops writes (the force covered other commits' pages). Writer
   * only: the background syncer and close call it holding the writer gate.
   */
  void syncNow() {
    Meta last = meta;
    if (settings.readOnly() || failure != null || syncPoints.synced().txid() >= last.txid()) {
      return;
    }
    int slot = syncPoints.nextSlot();
    try {
      writeSyncedMeta(file, last, slot);
    } catch (IOException | RuntimeException e) {
      failure = CommitFailures.translate(path, e, last.txid());
      LOG.log(Level.ERROR, "{0}: cannot sync the NO_SYNC commits; writes stop: {1}", path, e);
      return;
    }
    syncPoints.markSynced(last, slot);
    tail.shrinkAfterCommit(last, last, true, last);
  }

  /**
   * Syncs every page written so far, then writes {@code m} as a synced meta on page {@code slot}
   * and syncs it: how open and the NO_SYNC syncs make the newest commit durable.
   */
  static void writeSyncedMeta(PageFile file, Meta m, int slot) throws IOException {
    file.force();
    file.write(slot, m.encode(slot));
    file.force();
  }

  void close() {
    writer.close();
    try {
      if (lock.isValid()) {
        lock.release();
      }
    } catch (IOException e) {
      LOG.log(Level.DEBUG, "{0}: releasing the lock failed: {1}", path, e);
    }
    StoreOpener.closeQuietly(channel);
  }
}
