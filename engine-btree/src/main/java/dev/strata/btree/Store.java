package dev.strata.btree;

import dev.strata.api.CorruptionException;
import dev.strata.api.Durability;
import dev.strata.api.EngineFailedException;
import dev.strata.api.StorageException;
import dev.strata.api.StorageFullException;
import dev.strata.api.StorageIOException;
import dev.strata.api.StoreLockedException;
import dev.strata.api.WriteAmplificationMeter;
import dev.strata.api.spi.FileIO;
import dev.strata.api.spi.StorageFile;
import dev.strata.btree.format.Meta;
import dev.strata.btree.format.NodeView;
import dev.strata.btree.format.PageFormat;
import dev.strata.freelist.Freelist;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.function.Function;

/**
 * The file and its commit protocol: create, open (pick the newest trustworthy meta, load or rebuild
 * the freelist), and commit a {@link TreeUpdate} (write runs sorted by page and the freelist,
 * force, write the meta page the last synced meta is not on, force). Commit runs under the engine's
 * writer gate.
 *
 * <p>Under {@code NO_SYNC} most commits skip both forces and mark their meta as unsynced, with the
 * boot id of the system: a later open trusts such a meta only within the same boot (after a process
 * crash the kernel still holds every page it needs), never after a restart, when it may have
 * reached the disk ahead of its pages. The last synced meta therefore stays the fallback, and the
 * pages it reaches are pinned like a reader's snapshot until a commit syncs again: one a second at
 * the latest, or sooner when the pinned pages pass a quarter of the file.
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

  /**
   * The newest meta written after its pages were synced: what a restart recovers. Written by the
   * writer only; volatile for the background syncer's {@link #syncDue()} check.
   */
  private volatile Meta synced;

  /** The meta page (0 or 1) holding {@link #synced}; commits write the other one. Writer-only. */
  private int syncedSlot;

  /** When {@link #synced} was written, for the NO_SYNC sync interval; written by the writer. */
  private volatile long syncedNanos = System.nanoTime();

  /** Pages commits freed since {@link #synced}: pinned for it; writer-only. */
  private long freedSinceSync;

  /** A commit lowered the high-water mark below the synced meta's: the file shrinks at the sync. */
  private boolean shrinkDeferred;

  /** Longest a NO_SYNC store goes without a synced meta while it commits. */
  static final long NO_SYNC_INTERVAL_NANOS = 1_000_000_000L;

  /** {@link #NO_SYNC_INTERVAL_NANOS}, shortened by crash tests to put sync points mid-run. */
  static volatile long noSyncIntervalNanos = NO_SYNC_INTERVAL_NANOS;

  /** Pages freed since the synced meta that make a NO_SYNC commit sync regardless of the clock. */
  static final long NO_SYNC_MIN_PINNED_PAGES = 4096;

  /** This boot's id, stamped on unsynced metas. */
  private final byte[] bootId = BootId.current();

  /** Nanoseconds the last open spent rebuilding the freelist by walking the tree (0 if loaded). */
  final long freelistRebuildNanos;

  private Store(
      Path directory,
      Path path,
      Settings settings,
      FileChannel channel,
      FileLock lock,
      PageFile file,
      Meta meta,
      int metaSlot,
      Meta synced,
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
    this.synced = synced;
    this.syncedSlot = metaSlot;
    this.meter = meter;
    this.freelistRebuildNanos = rebuildNanos;
    this.freelist = freelist;
    this.chain = chain;
    this.fileIO = fileIO;
    this.pageBuffers = new PageBuffers(pageSize);
    EarlyWriteback early =
        !settings.readOnly()
                && settings.durability() == Durability.SYNC
                && settings.earlyWriteback()
                && EarlyWriteback.worthwhile()
            ? new EarlyWriteback(file, EARLY_WRITEBACK_THREAD + " " + path)
            : null;
    this.writer = new CommitWriter(file, channel, pageSize, pageBuffers, early);
  }

  static Store open(
      Path directory,
      Settings settings,
      WriteAmplificationMeter meter,
      FileIO fileIO,
      Function<StorageFile, PageIO> ioFactory) {
    Path path = directory.resolve(FILE_NAME);
    if (!Files.exists(path)) {
      if (!settings.createIfMissing()) {
        throw new StorageException(
            "no btree store in " + directory + " and createIfMissing is false");
      }
      if (settings.readOnly()) {
        throw new StorageException(
            "no btree store in " + directory + " and a read-only open cannot create one");
      }
      create(directory, path, settings.pageSize(), meter, fileIO);
    }
    StorageFile storageFile;
    try {
      storageFile =
          settings.readOnly()
              ? fileIO.open(path, StandardOpenOption.READ)
              : fileIO.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
    } catch (IOException e) {
      throw new StorageIOException("cannot open " + path, e);
    }
    FileChannel channel = storageFile.channel();
    FileLock lock;
    try {
      lock = channel.tryLock(0, Long.MAX_VALUE, settings.readOnly());
    } catch (OverlappingFileLockException e) {
      closeQuietly(channel);
      throw new StoreLockedException(path + " is already open in this process", e);
    } catch (IOException e) {
      closeQuietly(channel);
      throw new StorageIOException("cannot lock " + path, e);
    }
    if (lock == null) {
      closeQuietly(channel);
      throw new StoreLockedException(path + " is open in another process");
    }
    try {
      Selected selected = selectMeta(channel, path);
      Meta meta = selected.meta();
      if (meta.pageSize() != settings.pageSize()) {
        LOG.log(
            Level.INFO,
            "{0} was created with page size {1}; ignoring btree.pageSize={2}",
            path,
            String.valueOf(meta.pageSize()),
            String.valueOf(settings.pageSize()));
      }
      long size = channel.size();
      if (size < meta.highWater() * meta.pageSize()) {
        throw new CorruptionException(
            path
                + ": file is "
                + size
                + " bytes but meta txid "
                + meta.txid()
                + " needs "
                + meta.highWater() * meta.pageSize()
                + " (high-water page "
                + meta.highWater()
                + "); the file was truncated");
      }
      PageIO io = ioFactory.apply(storageFile);
      PageFile file =
          new PageFile(
              path,
              channel,
              io,
              meter,
              meta.pageSize(),
              Math.max(settings.mapChunkSize(), meta.pageSize()));
      if (!settings.readOnly()) {
        // Whatever the last run left: an unsynced meta of this boot, or a synced one whose own
        // sync may have failed or never run (a kill between its write and its sync), is in the
        // kernel's cache, not necessarily on disk. The meta is rewritten (a write makes the page
        // dirty again) and synced with every page it reaches before a commit may reuse pages that
        // the meta on the other page reaches.
        writeSyncedMeta(file, meta, selected.slot());
      }
      long start = System.nanoTime();
      Freelist freelist;
      long rebuild = 0;
      FreelistLog.Stored stored = FreelistLog.Stored.read(file, meta);
      if (settings.freelistSync() && !stored.chain().isEmpty()) {
        freelist = stored.toFreelist(file, meta, settings.freelistKind());
      } else {
        freelist = rebuildFreelist(file, meta, stored.chain(), settings.freelistKind());
        rebuild = System.nanoTime() - start;
      }
      return new Store(
          directory,
          path,
          settings,
          channel,
          lock,
          file,
          meta,
          selected.slot(),
          settings.readOnly() && selected.unsynced() && selected.newestSynced() != null
              ? selected.newestSynced()
              : meta,
          meter,
          rebuild,
          freelist,
          stored.chain(),
          fileIO);
    } catch (IOException e) {
      closeQuietly(channel);
      throw new StorageIOException("cannot open " + path, e);
    } catch (RuntimeException e) {
      closeQuietly(channel);
      throw e;
    }
  }

  private static void closeQuietly(FileChannel channel) {
    try {
      channel.close();
    } catch (IOException ignored) {
      // Already failing; the first error is the one to report.
    }
  }

  /** Writes an empty store to a temporary file and renames it, so a crash leaves no half file. */
  static void create(
      Path directory, Path path, int pageSize, WriteAmplificationMeter meter, FileIO fileIO) {
    Path tmp = directory.resolve(FILE_NAME + ".creating");
    try {
      Files.createDirectories(directory);
      try (StorageFile ch =
          fileIO.open(
              tmp,
              StandardOpenOption.CREATE,
              StandardOpenOption.TRUNCATE_EXISTING,
              StandardOpenOption.WRITE)) {
        Meta m = new Meta(pageSize, 2, 0, 0, 3, 0);
        writeFully(ch, m.encode(0), 0);
        writeFully(ch, m.encode(1), pageSize);
        ByteBuffer leaf = Node.encode(true, List.of(), 2, pageSize, TreeUpdate.maxInline(pageSize));
        writeFully(ch, leaf, 2L * pageSize);
        ch.force(true);
        meter.addPhysical(3L * pageSize);
        meter.addSync();
      }
      fileIO.rename(tmp, path);
      fileIO.syncDirectory(directory);
    } catch (IOException e) {
      throw new StorageIOException("cannot create a btree store at " + path, e);
    }
  }

  static void writeFully(StorageFile ch, ByteBuffer b, long position) throws IOException {
    ByteBuffer src = b.duplicate();
    src.position(0);
    ch.writeFully(src, position);
  }

  /**
   * The meta open uses, the page it is on, and whether it was written without a sync.
   *
   * @param meta the committed state
   * @param slot its meta page, 0 or 1
   * @param unsynced true when its pages were not synced first (trusted within this boot only)
   * @param newestSynced the valid meta with the higher txid among those written after a sync
   */
  record Selected(Meta meta, int slot, boolean unsynced, Meta newestSynced) {}

  /** The meta open would use (see {@link #selectMeta}). */
  static Meta readMeta(FileChannel channel, Path path) throws IOException {
    return selectMeta(channel, path).meta();
  }

  /**
   * Picks the trustworthy meta with the highest txid: a valid meta page written after a sync, or
   * one written without a sync during this boot of the system.
   *
   * @throws CorruptionException if neither page holds one
   */
  static Selected selectMeta(FileChannel channel, Path path) throws IOException {
    Meta.Page p0 = readMetaAt(channel, path, 0, 0);
    Meta.Page p1 = null;
    if (p0 != null) {
      p1 = readMetaAt(channel, path, 1, p0.meta().pageSize());
      if (p1 != null && p1.meta().pageSize() != p0.meta().pageSize()) {
        p1 = null;
      }
    } else {
      for (int ps = 1024; ps <= 65536 && p1 == null; ps <<= 1) {
        Meta.Page candidate = readMetaAt(channel, path, 1, ps);
        if (candidate != null && candidate.meta().pageSize() == ps) {
          p1 = candidate;
        }
      }
    }
    if (p0 == null && p1 == null) {
      throw new CorruptionException(
          path
              + ": both meta pages (page 0 at offset 0 and page 1)"
              + " are invalid; this is not a btree store or both were damaged");
    }
    Meta.Page t0 = trusted(p0, 0, path);
    Meta.Page t1 = trusted(p1, 1, path);
    if (t0 == null && t1 == null) {
      throw new CorruptionException(
          path
              + ": no meta page was written after a sync, and the one written without a sync"
              + " predates a restart of the system");
    }
    Meta newestSynced = null;
    for (Meta.Page p : new Meta.Page[] {p0, p1}) {
      if (p != null
          && p.unsyncedBoot() == null
          && (newestSynced == null || p.meta().txid() > newestSynced.txid())) {
        newestSynced = p.meta();
      }
    }
    if (t0 == null || t1 != null && t1.meta().txid() > t0.meta().txid()) {
      if (p0 == null) {
        LOG.log(
            Level.WARNING,
            "{0}: meta page 0 is invalid; using meta page 1 (txid {1})",
            path,
            String.valueOf(t1.meta().txid()));
      }
      return new Selected(t1.meta(), 1, t1.unsyncedBoot() != null, newestSynced);
    }
    if (p1 == null) {
      LOG.log(
          Level.WARNING,
          "{0}: meta page 1 is invalid; using meta page 0 (txid {1})",
          path,
          String.valueOf(t0.meta().txid()));
    }
    return new Selected(t0.meta(), 0, t0.unsyncedBoot() != null, newestSynced);
  }

  /** The page if open may use it: synced, or unsynced during this boot. */
  private static Meta.Page trusted(Meta.Page page, int slot, Path path) {
    if (page == null || page.unsyncedBoot() == null) {
      return page;
    }
    byte[] boot = page.unsyncedBoot();
    if (BootId.isKnown(boot) && java.util.Arrays.equals(boot, BootId.current())) {
      return page;
    }
    LOG.log(
        Level.WARNING,
        "{0}: meta page {1} (txid {2}) was written without a sync before the system restarted;"
            + " recovering to the last synced meta (the NO_SYNC commits after it are lost)",
        path,
        String.valueOf(slot),
        String.valueOf(page.meta().txid()));
    return null;
  }

  private static Meta.Page readMetaAt(FileChannel channel, Path path, long pgid, int pageSize)
      throws IOException {
    ByteBuffer b = ByteBuffer.allocate(1024).order(ByteOrder.LITTLE_ENDIAN);
    long pos = pgid * pageSize;
    while (b.hasRemaining()) {
      int n = channel.read(b, pos + b.position());
      if (n < 0) {
        break;
      }
    }
    b.flip();
    return Meta.decodePage(b, pgid, path.toString());
  }

  /** Every page below the high-water mark that the tree does not reach is free. */
  static Freelist rebuildFreelist(
      PageFile file, Meta meta, FreelistLog.Chain chain, Freelist.Kind kind) {
    BitSet free = reachable(file, meta, chain);
    free.flip(0, (int) meta.highWater());
    return FreelistLog.fromBits(free, meta.highWater(), meta.txid(), kind);
  }

  /**
   * Pages the meta reaches: the meta pages, the tree, and the runs of its stored freelist. Those
   * runs count as in use even when the freelist is rebuilt instead of read: the meta on disk still
   * names them, so they must not be overwritten before the next commit frees them like any replaced
   * page.
   */
  static BitSet reachable(PageFile file, Meta meta, FreelistLog.Chain chain) {
    BitSet used = new BitSet();
    used.set(0, 2);
    long[] runs = chain.runs();
    for (int i = 0; i < runs.length; i += 2) {
      used.set((int) runs[i], (int) (runs[i] + runs[i + 1]));
    }
    mark(file, meta, meta.root(), used);
    return used;
  }

  private static void mark(PageFile file, Meta meta, long pgid, BitSet used) {
    NodeView v = file.node(pgid, meta.highWater(), false);
    used.set((int) pgid, (int) (pgid + v.pages));
    int n = v.count();
    for (int i = 0; i < n; i++) {
      if (!v.isLeaf()) {
        mark(file, meta, v.childAt(i), used);
      } else if (v.isOverflow(i)) {
        long o = v.overflowPage(i);
        int pages =
            PageFormat.pagesFor(PageFormat.HEADER_SIZE + (long) v.valueLength(i), file.pageSize);
        used.set((int) o, (int) (o + pages));
      }
    }
  }

  // ---------------------------------------------------------------- commit

  /**
   * Commits {@code update} as transaction {@code meta.txid() + 1}.
   *
   * @param readerSnapshots the txids open readers see, ascending and distinct
   * @return the new meta, already durable (under SYNC) and published
   */
  Meta commit(TreeUpdate update, long[] readerSnapshots) {
    if (failure != null) {
      throw new EngineFailedException(
          path + " refuses writes after an earlier failure: " + failure.getMessage(), failure);
    }
    Meta base = meta;
    long txid = base.txid() + 1;
    releasePending(base, pinSynced(readerSnapshots, base));
    long[] highWater = {base.highWater()};
    long[] freed = {0};
    boolean metaStarted = false;
    boolean coversEarlier = false;
    changes.clear();
    try {
      trimTail(txid, highWater);
      writer.begin();
      TreeUpdate.Pager pager =
          new TreeUpdate.Pager() {
            @Override
            public long allocate(int pages) {
              return Store.this.allocate(txid, pages, highWater);
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
              freelist.free(txid, pgid, pages);
              changes.added(pgid, pages);
              freed[0] += pages;
            }

            @Override
            public void write(TreeUpdate.Dirty run) {
              try {
                writer.write(run);
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            }
          };
      long root = update.spill(pager);
      List<TreeUpdate.Dirty> dirty = new ArrayList<>();
      FreelistLog.Chain nextChain;
      if (settings.freelistSync()) {
        nextChain =
            FreelistLog.store(
                chain,
                freelist,
                changes,
                pager,
                () -> Math.max(base.highWater(), highWater[0]),
                txid,
                pageSize,
                settings.freelistLogPercent(),
                dirty);
      } else {
        FreelistLog.free(chain, pager);
        nextChain = FreelistLog.Chain.NONE;
      }
      for (TreeUpdate.Dirty d : dirty) {
        writer.write(d);
      }
      writer.ensureFileSize(highWater[0]);
      writer.recycle();
      boolean sync =
          settings.durability() == Durability.SYNC || noSyncPointDue(freed[0], highWater[0]);
      // A sync under NO_SYNC also covers earlier unsynced commits: if it fails, their pages may
      // be lost (Linux marks pages clean after a failed write-back), so writes must stop.
      coversEarlier = sync && synced.txid() < base.txid();
      if (sync) {
        file.force();
        writer.synced();
      }
      Meta next =
          new Meta(pageSize, root, nextChain.headPage(), nextChain.headPages(), highWater[0], txid);
      int slot = 1 - syncedSlot;
      metaStarted = true;
      file.write(slot, next.encode(slot, sync ? null : bootId));
      if (sync) {
        file.force();
        markSynced(next, slot);
      } else {
        freedSinceSync += freed[0];
      }
      meta = next;
      chain = nextChain;
      shrinkAfterCommit(next, base, sync);
      return next;
    } catch (IOException | RuntimeException e) {
      StorageException failed = translate(e, txid);
      undoFailedCommit(txid, metaStarted || coversEarlier, failed);
      throw failed;
    } catch (Error e) {
      // An OutOfMemoryError (the copy of a large value, a temporary direct buffer for a write)
      // must undo this txid's allocations and frees like any other failure: left pending, a later
      // commit under the same txid would release pages the tree still uses. Rethrown as it is.
      undoFailedCommit(
          txid,
          metaStarted || coversEarlier,
          new StorageException(path + ": commit of txid " + txid + " failed: " + e, e));
      throw e;
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

  private StorageException translate(Exception e, long txid) {
    if (e instanceof StorageException s) {
      return s;
    }
    if (e instanceof UncheckedIOException u) {
      // A write the spill made through the pager: typed like any other failed write.
      return translate(u.getCause(), txid);
    }
    String message = String.valueOf(e.getMessage());
    String what = path + ": commit of txid " + txid + " failed";
    if (e instanceof IOException
        && (message.contains("No space left")
            || message.contains("Disk quota exceeded")
            || message.contains("File too large"))) {
      return new StorageFullException(what + ": disk full (" + message + ")", e);
    }
    if (e instanceof IOException) {
      return new StorageIOException(what + ": " + message, e);
    }
    return new StorageException(what + ": " + e, e);
  }

  private long allocate(long txid, int pages, long[] highWater) {
    long p = freelist.allocate(txid, pages);
    if (p == Freelist.NONE) {
      p = highWater[0];
      highWater[0] += pages;
    } else {
      changes.removed(p, pages);
    }
    return p;
  }

  /**
   * Whether this NO_SYNC commit syncs: once a second, or when the pages pinned for the last synced
   * meta pass a quarter of the file (at least {@link #NO_SYNC_MIN_PINNED_PAGES}).
   */
  private boolean noSyncPointDue(long freedNow, long highWater) {
    return System.nanoTime() - syncedNanos >= noSyncIntervalNanos
        || freedSinceSync + freedNow >= Math.max(NO_SYNC_MIN_PINNED_PAGES, highWater / 4);
  }

  /**
   * Adds the last synced meta's txid to the reader snapshots when later commits were not synced: a
   * restart recovers that meta, so the pages it reaches must stay as they are, like a reader's.
   */
  private long[] pinSynced(long[] readers, Meta base) {
    long pin = synced.txid();
    if (pin >= base.txid()) {
      return readers;
    }
    int at = java.util.Arrays.binarySearch(readers, pin);
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
   * Takes the free run at the end of the file out of the freelist, so the commit lowers the
   * high-water mark and the file shrinks. The freelist has no "allocate here", so this asks for
   * runs of the tail's length and keeps the one that is the tail. When a few tries miss, the tries
   * are rolled back (this txid has done nothing else yet) and a later commit tries again; when one
   * hits, the runs taken before it go back as pending pages of this txid.
   */
  private void trimTail(long txid, long[] highWater) {
    long hw = highWater[0];
    if (hw <= 3 || !freelist.isFree(hw - 1)) {
      return;
    }
    long start = hw - 1;
    while (start > 2 && freelist.isFree(start - 1) && hw - start < Integer.MAX_VALUE) {
      start--;
    }
    int length = (int) (hw - start);
    List<Long> wrong = new ArrayList<>();
    for (int attempt = 0; attempt < 4; attempt++) {
      long p = freelist.allocate(txid, length);
      if (p == start) {
        highWater[0] = start;
        changes.removed(start, length);
        for (long w : wrong) {
          changes.removed(w, length);
          freelist.free(txid, w, length);
          changes.added(w, length);
        }
        return;
      }
      if (p == Freelist.NONE) {
        break;
      }
      wrong.add(p);
    }
    if (!wrong.isEmpty()) {
      freelist.rollback(txid);
    }
  }

  private void shrinkFile(long pages) {
    long want = pages * pageSize;
    try {
      if (channel.size() > want) {
        file.truncate(want);
      }
    } catch (IOException e) {
      LOG.log(
          Level.WARNING,
          "{0}: cannot truncate the free tail to {1} bytes: {2}",
          path,
          String.valueOf(want),
          e);
    }
  }

  /** The last commit a power loss keeps; writer-only (stats runs under the writer gate). */
  long syncedTxid() {
    return synced.txid();
  }

  /**
   * Cuts the file's free tail after a commit: when the high-water mark fell, down to it, but never
   * below the synced meta's (a restart may recover that meta); the rest once a commit syncs.
   */
  private void shrinkAfterCommit(Meta next, Meta base, boolean sync) {
    if (next.highWater() < base.highWater() || sync && shrinkDeferred) {
      shrinkDeferred = next.highWater() < synced.highWater();
      shrinkFile(Math.max(next.highWater(), synced.highWater()));
    }
  }

  /** Whether NO_SYNC commits are waiting for a sync that is due by the clock; any thread. */
  boolean syncDue() {
    return meta.txid() > synced.txid() && System.nanoTime() - syncedNanos >= noSyncIntervalNanos;
  }

  /**
   * Syncs the NO_SYNC commits since the last synced meta: force, rewrite the newest meta as synced
   * on its page, force. A failure stops writes (the force covered other commits' pages). Writer
   * only: the background syncer and close call it holding the writer gate.
   */
  void syncNow() {
    Meta last = meta;
    if (settings.readOnly() || failure != null || synced.txid() >= last.txid()) {
      return;
    }
    int slot = 1 - syncedSlot;
    try {
      writeSyncedMeta(file, last, slot);
    } catch (IOException | RuntimeException e) {
      failure = translate(e, last.txid());
      LOG.log(Level.ERROR, "{0}: cannot sync the NO_SYNC commits; writes stop: {1}", path, e);
      return;
    }
    markSynced(last, slot);
    shrinkAfterCommit(last, last, true);
  }

  /**
   * Syncs every page written so far, then writes {@code m} as a synced meta on page {@code slot}
   * and syncs it: how open and the NO_SYNC syncs make the newest commit durable.
   */
  private static void writeSyncedMeta(PageFile file, Meta m, int slot) throws IOException {
    file.force();
    file.write(slot, m.encode(slot));
    file.force();
  }

  private void markSynced(Meta m, int slot) {
    synced = m;
    syncedSlot = slot;
    syncedNanos = System.nanoTime();
    freedSinceSync = 0;
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
    closeQuietly(channel);
  }
}
