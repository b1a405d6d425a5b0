package dev.strata.btree;

import dev.strata.api.Capability;
import dev.strata.api.CopyCompaction;
import dev.strata.api.Durability;
import dev.strata.api.EngineClosedException;
import dev.strata.api.EngineOptions;
import dev.strata.api.ReadTxn;
import dev.strata.api.StorageEngine;
import dev.strata.api.StorageException;
import dev.strata.api.StorageIOException;
import dev.strata.api.WriteAmplificationMeter;
import dev.strata.api.WriteTxn;
import dev.strata.api.spi.InterruptShield;
import dev.strata.api.spi.StorageFile;
import dev.strata.api.spi.StoreFiles;
import dev.strata.api.spi.StoreMarker;
import dev.strata.api.spi.WriterGate;
import dev.strata.btree.format.Meta;
import dev.strata.btree.internal.Diagnostics;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;

/**
 * The {@code btree} engine: a single-file, memory-mapped, copy-on-write B+tree in the tradition of
 * LMDB and bbolt. Open it with {@code StorageEngines.open("btree", directory, options)}; cast the
 * result to this class for {@link #compact(Path)}.
 *
 * <h2>Design</h2>
 *
 * One writer at a time ({@link WriterGate}); any number of readers, each pinned to the meta page
 * (txid) that was current when it began, reading pages in place from read-only memory maps without
 * locks. A commit never overwrites a page the last committed meta can reach: changed nodes are
 * written to pages taken from the {@code freelist}, the old ones become pending under the
 * committing txid and are reused once no reader can see them. The file layout is in {@code
 * FORMAT.md}.
 *
 * <h2>Durability</h2>
 *
 * Under {@code SYNC} a commit of up to 16 MiB of pages writes them, a commit record listing them
 * with their checksums, and its meta page, then syncs once; a later open accepts that meta only
 * when the record and every run it lists read back as written, and otherwise rolls back to the
 * previous commit (a WARNING names both txids), which is whole because a commit writes only pages
 * the previous commit does not reach. A larger commit (or every commit with {@code
 * btree.commitSyncs=2}) writes its pages, syncs, writes its meta page and syncs again. Under {@code
 * NO_SYNC} a commit skips both syncs and marks its meta page as unsynced, stamped with the system's
 * boot id; a later open trusts such a meta only during the same boot, so a process crash loses
 * nothing, while after a power loss or OS crash the store recovers to the last synced commit (a
 * meta may have reached the disk before its pages). Pages that synced commit reaches stay pinned,
 * like a reader's snapshot, until the commits are synced again: by a commit once a second has
 * passed or the pinned pages pass a quarter of the file or 128 MiB (whichever is more), by a
 * background thread when a second passes with no commit to do it, by {@link #close()}, and by every
 * writable open, which also syncs whatever a crashed run left in the kernel's cache. Between those
 * syncs the file may grow by the pages the commits free. A failed sync stops writes until the store
 * is reopened. The boot id comes from Linux ({@code /proc/sys/kernel/random/boot_id}); where the
 * system has none, unsynced metas are never trusted, so a process crash too loses the commits since
 * the last sync. Storage that can lose power while the host stays up (a detachable or network disk)
 * is not covered by the boot id: use {@code SYNC} there.
 *
 * <h2>Settings</h2>
 *
 * <ul>
 *   <li>{@code btree.pageSize} (default 4096; a power of two in 1024..65536): used when the store
 *       is created; an existing store keeps its page size and a different setting is ignored with
 *       an INFO log line.
 *   <li>{@code btree.fillPercent} (default 1.0, 0.1..1.0): the most of a page each part of a split
 *       fills. A node that outgrew its page goes to the fewest pages that hold it within that fill,
 *       its bytes spread evenly over them: by default a page that overflowed by one entry becomes
 *       two halves, as in LMDB; lower values leave room for later inserts at the cost of a larger
 *       file. A node whose inserts in the committing transaction form one run (a load in key order,
 *       a log keyed by sequence) is always split into full pages up to the run's end, as bbolt's
 *       users set for sequential keys and LMDB's append mode does.
 *   <li>{@code btree.freelist} ({@code hash}, default, or {@code array}): the page allocator;
 *       {@code array} is bbolt's original, kept to reproduce its commit stall.
 *   <li>{@code btree.freelistSync} (default true): when false, commits do not store the freelist
 *       and open rebuilds it by walking the tree ({@code freelistRebuildMillis} in stats).
 *   <li>{@code btree.freelistLogPercent} (default 100, 0..1000000): a commit stores only what it
 *       changed in the freelist (a delta of a page or two) until the deltas since the last full
 *       snapshot would pass this percentage of the snapshot's pages; then it writes a new snapshot.
 *       0 writes the whole freelist every commit. See {@code FORMAT.md}.
 *   <li>{@code btree.mapChunkSize} (default 1GiB, power of two, 64KiB..1GiB): bytes per memory
 *       mapping.
 *   <li>{@code btree.earlyWriteback} (default true): under {@code SYNC} on a machine with more than
 *       one core, a commit of more than a few hundred pages has a helper thread call fdatasync
 *       while it is still writing, so the kernel's write-back of the pages written so far runs on
 *       another core; the commit's own sync or syncs still make it durable. The meter counts the
 *       helper's syncs too. Turn it off where a device cache flush is expensive and cores are not.
 *   <li>{@code btree.commitSyncs} (default 1, 1..2): syncs per {@code SYNC} commit. 1: a commit
 *       writing up to 16 MiB of pages syncs once, with a commit record that open verifies (larger
 *       commits sync twice); 2: every commit syncs its pages, then its meta page, as LMDB does.
 *       Ignored under {@code NO_SYNC}.
 * </ul>
 *
 * <h2>Stats</h2>
 *
 * <ul>
 *   <li>{@code fileBytes}: the data file's length; at least {@code highWaterPages * pageSize}, more
 *       by the slack of geometric growth (up to 64 MiB), cut off when the store shrinks.
 *   <li>{@code pageSize}; {@code highWaterPages}: pages the last commit may use.
 *   <li>{@code pagesInUse}: pages reachable from the last commit (meta pages, tree, overflow runs,
 *       stored freelist and commit record); {@code freePages}, {@code freeRuns}: what the allocator
 *       may hand out; {@code pendingPages}: freed pages an open reader may still see. {@code
 *       pagesInUse + freePages + pendingPages == highWaterPages}; under {@code NO_SYNC} pending
 *       pages include those pinned for the last synced commit.
 *   <li>{@code treeDepth} (1 = the root is a leaf), {@code branchPages}, {@code leafPages}, {@code
 *       overflowPages}, {@code keys}.
 *   <li>{@code txid}: the last commit; {@code syncedTxid}: the last commit a power loss keeps
 *       (equal to {@code txid} under {@code SYNC}); {@code openReaders}: open transactions; {@code
 *       freelistRebuildMillis}: time the open spent rebuilding the freelist by walking the tree (0
 *       when it was read from the file); {@code freelistDeltas}: deltas stored after the last
 *       freelist snapshot.
 *   <li>{@code commits}: commits since the engine was opened; {@code pageAllocationNanos}: the
 *       nanoseconds those commits spent in the freelist finding and freeing pages (allocate, free,
 *       and the release of pages no reader sees any more), the figure bbolt reports as its commit
 *       spill time. Their ratio is the page-allocation time per commit. {@code oneSyncCommits}:
 *       those of the commits that synced once, with a commit record.
 * </ul>
 *
 * Computing them walks the whole tree under the writer gate: O(pages).
 *
 * <h2>Integrity</h2>
 *
 * {@link #verifyIntegrity()} re-verifies every reachable page's checksum, key order within pages
 * and within the bounds set by parents, uniform leaf depth, overflow runs, and that every page
 * below the high-water mark is reachable exactly once or free/pending, never both; plus the
 * freelist's own invariants. Like {@link #stats()} it holds the writer gate: it waits for an open
 * write transaction, and throws {@link IllegalStateException} on the thread holding one.
 *
 * <h2>Thread safety</h2>
 *
 * Thread-safe, as {@link StorageEngine} states. Arrays passed in are copied; arrays returned are
 * new.
 */
public final class BTreeEngine implements StorageEngine, CopyCompaction {
  static final String NAME = "btree";

  static {
    Diagnostics.install(
        engine -> {
          if (!(engine instanceof BTreeEngine btree)) {
            throw new IllegalArgumentException("not a btree engine: " + engine.name());
          }
          return btree.withWriterGate(() -> btree.store.freelist.spans());
        });
  }

  final Store store;
  private final WriteAmplificationMeter meter;
  private final WriterGate gate;
  private final Set<BTreeReadTxn> openTxns = ConcurrentHashMap.newKeySet();

  /** Reader count per snapshot txid; guarded by itself, which also orders meta publication. */
  private final TreeMap<Long, Integer> readers = new TreeMap<>();

  private final LongAdder inFlight = new LongAdder();
  private volatile boolean closed;

  private BTreeEngine(Store store, WriteAmplificationMeter meter) {
    this.store = store;
    this.meter = meter;
    this.gate = new WriterGate("btree engine at " + store.directory);
  }

  static BTreeEngine open(
      Path directory, EngineOptions options, Function<StorageFile, PageIO> ioFactory) {
    Objects.requireNonNull(directory, "directory");
    Objects.requireNonNull(options, "options");
    Settings settings = Settings.parse(options);
    StoreMarker.claim(directory, NAME, Meta.FORMAT_VERSION, options);
    WriteAmplificationMeter meter = new WriteAmplificationMeter();
    BTreeEngine engine =
        new BTreeEngine(
            StoreOpener.open(directory, settings, meter, options.fileIO(), ioFactory), meter);
    if (!settings.readOnly() && settings.durability() == Durability.NO_SYNC) {
      Thread syncer = new Thread(engine::syncInBackground, "strata-btree-sync " + directory);
      syncer.setDaemon(true);
      syncer.start();
    }
    return engine;
  }

  /** How often the NO_SYNC background syncer looks whether a sync is due. */
  private static final long SYNC_POLL_NANOS = 200_000_000L;

  /**
   * Under NO_SYNC, syncs commits that stayed unsynced for a second when no commit came to do it, so
   * a power loss after a burst of commits loses at most about a second of them. Skips a round while
   * a write transaction holds the gate: its commit will sync.
   */
  private void syncInBackground() {
    while (!closed) {
      LockSupport.parkNanos(this, SYNC_POLL_NANOS);
      if (closed || !store.syncDue() || !gate.tryAcquire()) {
        continue;
      }
      inFlight.increment();
      try {
        // Checked after counting ourselves in: close() sets the flag before it waits for calls.
        if (!closed) {
          store.syncNow();
        }
      } finally {
        inFlight.decrement();
        gate.release();
      }
    }
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Set<Capability> capabilities() {
    return Set.of(Capability.PERSISTENT, Capability.BACKUP);
  }

  @Override
  public ReadTxn beginRead() {
    checkOpen();
    BTreeReadTxn txn;
    synchronized (readers) {
      Meta m = store.meta;
      readers.merge(m.txid(), 1, Integer::sum);
      txn = new BTreeReadTxn(this, m);
    }
    return register(txn);
  }

  private <T extends BTreeReadTxn> T register(T txn) {
    openTxns.add(txn);
    if (closed) {
      txn.close();
      throw closedException();
    }
    return txn;
  }

  @Override
  public WriteTxn beginWrite() {
    checkOpen();
    if (store.settings.readOnly()) {
      throw new UnsupportedOperationException(
          "btree engine at " + store.directory + " was opened read-only");
    }
    StorageException failure = store.failure;
    if (failure != null) {
      throw new dev.strata.api.EngineFailedException(
          "btree engine at "
              + store.directory
              + " refuses writes after an earlier failure; reopen it: "
              + failure.getMessage(),
          failure);
    }
    gate.acquire();
    BTreeWriteTxn txn;
    try {
      synchronized (readers) {
        Meta m = store.meta;
        readers.merge(m.txid(), 1, Integer::sum);
        txn = new BTreeWriteTxn(this, m);
      }
    } catch (RuntimeException e) {
      gate.release();
      throw e;
    }
    return register(txn);
  }

  /** Called once by a transaction when it ends. */
  void ended(BTreeReadTxn txn) {
    synchronized (readers) {
      readers.computeIfPresent(txn.meta.txid(), (k, n) -> n == 1 ? null : n - 1);
    }
    openTxns.remove(txn);
    if (txn instanceof BTreeWriteTxn) {
      gate.release();
    }
  }

  /** Commits a write transaction's changes; runs under the writer gate. */
  void commit(TreeUpdate update, long logicalBytes) {
    if (closed) {
      throw closedException();
    }
    if (!update.isEmpty()) {
      long[] snapshots;
      synchronized (readers) {
        // The writer itself is registered at the snapshot it was built on; it does not pin.
        snapshots = readers.keySet().stream().mapToLong(Long::longValue).toArray();
      }
      store.commit(update, snapshots);
    }
    meter.addLogical(logicalBytes);
  }

  /** Starts a call that close() waits for; a pending interrupt must not close the files. */
  void enter() {
    InterruptShield.enter();
    inFlight.increment();
    if (closed) {
      exit();
      throw new dev.strata.api.TransactionClosedException(
          "transaction is closed: its engine (" + store.directory + ") was closed");
    }
  }

  void exit() {
    inFlight.decrement();
    InterruptShield.exit();
  }

  /**
   * Starts a call that only reads pages (a get, a cursor step) and that close() waits for. Unlike
   * {@link #enter} it leaves the interrupt flag alone: such a call touches the file channel only
   * when it maps a chunk, and {@code PageFile} shields that itself, so a read on an interrupted
   * thread costs no thread-local lookup and still cannot close the channel.
   */
  void enterRead() {
    inFlight.increment();
    if (closed) {
      inFlight.decrement();
      throw new dev.strata.api.TransactionClosedException(
          "transaction is closed: its engine (" + store.directory + ") was closed");
    }
  }

  /** Ends a call begun with {@link #enterRead}. */
  void exitRead() {
    inFlight.decrement();
  }

  boolean isClosed() {
    return closed;
  }

  private void checkOpen() {
    if (closed) {
      throw closedException();
    }
  }

  private EngineClosedException closedException() {
    return new EngineClosedException("btree engine at " + store.directory + " is closed");
  }

  /**
   * An estimate from the tree's shape ({@link BTreeReadTxn#estimateKeyCount()}): a few page reads
   * in a read transaction, so it never waits for the writer. The page format stores no key count,
   * so exactness would need a walk; skewed fill between nodes makes the estimate off by up to the
   * fill-factor spread (about 2x in the worst case, typically within 20 %).
   */
  @Override
  public long approximateKeyCount() {
    try (BTreeReadTxn txn = (BTreeReadTxn) beginRead()) {
      return txn.estimateKeyCount();
    }
  }

  @Override
  public WriteAmplificationMeter meter() {
    return meter;
  }

  @Override
  public Map<String, Number> stats() {
    checkOpen();
    return Checker.stats(this);
  }

  @Override
  public void verifyIntegrity() {
    checkOpen();
    Checker.verify(this);
  }

  /** Runs {@code work} holding the writer gate, so the freelist and the meta stay still. */
  <R> R withWriterGate(java.util.function.Supplier<R> work) {
    gate.acquire();
    try {
      checkOpen();
      return work.get();
    } finally {
      gate.release();
    }
  }

  /** The number of open transactions (readers and the writer), for stats. */
  int openReaders() {
    synchronized (readers) {
      return readers.values().stream().mapToInt(Integer::intValue).sum();
    }
  }

  /**
   * Writes a consistent copy of the last committed state to {@code target} while writers go on: the
   * raw pages below the snapshot's high-water mark and its meta, from a read transaction that pins
   * them.
   *
   * @throws NullPointerException if {@code target} is null
   * @throws IllegalArgumentException if {@code target} exists and is not an empty directory
   * @throws StorageIOException if the copy cannot be written
   * @throws EngineClosedException if the engine is closed
   */
  @Override
  public void backup(Path target) {
    Objects.requireNonNull(target, "target");
    checkOpen();
    StoreFiles.prepareEmptyDirectory(target);
    try (BTreeReadTxn txn = (BTreeReadTxn) beginRead()) {
      txn.enter();
      try {
        Maintenance.backup(store, txn.meta, target);
      } finally {
        exit();
      }
    }
  }

  /**
   * Rewrites the live data of the last committed state into a new, dense store in {@code target}:
   * leaves packed full in key order, no free pages. Writers may continue meanwhile; the copy
   * reflects the state when the call began. Open the result with {@code
   * StorageEngines.open("btree", target)}.
   *
   * @param target a directory that does not exist or is empty
   * @throws NullPointerException if {@code target} is null
   * @throws IllegalArgumentException if {@code target} exists and is not an empty directory
   * @throws StorageIOException if the copy cannot be written
   * @throws EngineClosedException if the engine is closed
   */
  public void compact(Path target) {
    Objects.requireNonNull(target, "target");
    checkOpen();
    StoreFiles.prepareEmptyDirectory(target);
    try (BTreeReadTxn txn = (BTreeReadTxn) beginRead()) {
      txn.enter();
      try {
        Maintenance.compact(txn, target);
      } finally {
        exit();
      }
    }
  }

  /** {@inheritDoc} Runs {@link #compact(Path)}. */
  @Override
  public void compactInto(Path target) {
    compact(target);
  }

  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    gate.close();
    // Calls in flight finish first, and only then do transactions end and unregister their
    // snapshots: a commit in flight must still see every reader that may be mid-read, or it could
    // release (and truncate away) pages that reader's mapping is about to touch.
    while (inFlight.sum() > 0) {
      Thread.onSpinWait();
      Thread.yield();
    }
    for (BTreeReadTxn txn : new ArrayList<>(openTxns)) {
      txn.close();
    }
    store.syncNow();
    store.close();
  }
}
