package dev.strata.raft;

import dev.strata.api.Durability;
import dev.strata.api.StorageEngine;
import dev.strata.api.WriteAmplificationMeter;
import dev.strata.api.WriteTxn;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.statemachine.StateMachine;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.thirdparty.com.google.protobuf.CodedOutputStream;
import org.apache.ratis.util.LifeCycle;

/**
 * Ratis' view of one replica's local store: applies each committed {@link WriteBatch} as one local
 * write transaction that also writes the {@link AppliedMark}.
 *
 * <h2>Apply rules (identical on every replica, so replicas never diverge)</h2>
 *
 * <ol>
 *   <li>An entry at or below the stored applied index is skipped: replay after a restart (the local
 *       store may run {@code NO_SYNC} and lose its latest applies; the Raft log has them) is
 *       idempotent.
 *   <li>A batch takes effect only if its proposer term equals the log entry's term (it was appended
 *       by the leader that built it) and its base data index equals the index of the last batch
 *       that took effect (nothing was written since the transaction read its snapshot). Otherwise
 *       it is applied as a no-op: only the mark advances. These two rules make a transaction whose
 *       leader lost leadership either fully present or certainly absent, and keep committed history
 *       serializable across leader changes.
 * </ol>
 *
 * <p>Ratis calls apply methods from one thread in log order. {@link #applyLock} is held during each
 * apply so the engine can read the last data index and open its base read transaction at one
 * consistent point.
 *
 * <h2>Snapshots</h2>
 *
 * A snapshot is the local engine's {@code backup()}, which carries the applied mark written in the
 * same transactions as the data, so the copy names its own index. Two ways to take it:
 *
 * <ul>
 *   <li><b>online</b> (default): {@link #takeSnapshot()} starts the backup on a background thread
 *       and returns the newest finished snapshot's index at once; applies go on while the engine
 *       copies a consistent state (its contract: an online copy; btree copies from a pinned read
 *       transaction, lsm makes a RocksDB checkpoint). When the copy is done, its index is read from
 *       the mark inside it and it becomes the newest snapshot; Ratis, which asks again after every
 *       batch of applies while a snapshot is due, then purges the log up to it.
 *   <li><b>blocking</b>: the backup runs on Ratis' apply thread under {@link #applyLock}, so no
 *       entry is applied until the copy is done.
 * </ul>
 */
final class StoreStateMachine implements StateMachine, StateMachine.DataApi, StateMachine.EventApi {
  private static final System.Logger LOG = System.getLogger(StoreStateMachine.class.getName());

  private final LocalStore store;
  private final SnapshotDirectory snapshots = new SnapshotDirectory();
  private final UUID logId;
  private final WriteAmplificationMeter meter;
  private final Durability logDurability;
  private final LifeCycle lifeCycle = new LifeCycle("StoreStateMachine");
  private final Map<UUID, CompletableFuture<Boolean>> waiters = new ConcurrentHashMap<>();
  final ReentrantLock applyLock = new ReentrantLock();

  private volatile long appliedIndex;
  private volatile long appliedTerm;
  private volatile long storedIndex;
  private volatile long storedTerm;
  private volatile long lastDataIndex;
  private volatile Throwable failure;
  private final java.util.concurrent.atomic.AtomicLong installs =
      new java.util.concurrent.atomic.AtomicLong();
  private final boolean onlineSnapshots;
  private final Object snapshotJobLock = new Object();
  private Thread snapshotJob; // guarded by snapshotJobLock
  private boolean closing; // guarded by snapshotJobLock
  private volatile long lastSnapshotNanos = -1;
  // Written by the apply thread only.
  private volatile long batchApplies;
  private volatile long batchApplyNanos;

  StoreStateMachine(
      LocalStore store,
      UUID logId,
      WriteAmplificationMeter meter,
      Durability logDurability,
      boolean onlineSnapshots) {
    this.store = store;
    this.logId = logId;
    this.meter = meter;
    this.logDurability = logDurability;
    this.onlineSnapshots = onlineSnapshots;
    loadMark();
  }

  private void loadMark() {
    byte[] raw = store.engine().get(AppliedMark.KEY);
    AppliedMark mark = raw == null ? null : AppliedMark.decode(raw);
    if (mark == null) {
      storedIndex = -1;
      lastDataIndex = -1;
    } else if (!mark.logId().equals(logId)) {
      // A store seeded from a backup: its data is the starting state of this log, its indexes are
      // another log's. Every replica seeded from the same backup starts from the same point.
      storedIndex = -1;
      lastDataIndex = -1;
    } else {
      storedIndex = mark.appliedIndex();
      storedTerm = mark.appliedTerm();
      lastDataIndex = mark.lastDataIndex();
    }
    appliedIndex = storedIndex;
    appliedTerm = storedTerm;
  }

  // ---- what the engine asks ----

  /** Registers interest in the outcome of a transaction before it is submitted. */
  CompletableFuture<Boolean> expect(UUID txnId) {
    CompletableFuture<Boolean> f = new CompletableFuture<>();
    waiters.put(txnId, f);
    return f;
  }

  /** Drops a registration whose outcome is no longer awaited. */
  void forget(UUID txnId) {
    waiters.remove(txnId);
  }

  long appliedIndex() {
    return appliedIndex;
  }

  long appliedTerm() {
    return appliedTerm;
  }

  /** The index of the last batch that took effect; read under {@link #applyLock}. */
  long lastDataIndex() {
    return lastDataIndex;
  }

  /** How many snapshots this replica installed into its local store since it opened. */
  long snapshotsInstalled() {
    return installs.get();
  }

  /** How many transaction entries this replica applied to its local store since it opened. */
  long batchApplies() {
    return batchApplies;
  }

  /** The time those applies took: each one local write transaction, its commit included. */
  long batchApplyNanos() {
    return batchApplyNanos;
  }

  /** The index of the newest complete snapshot, or -1. */
  long snapshotIndex() {
    SnapshotDirectory.Snapshot latest = snapshots.getLatestSnapshot();
    return latest == null ? -1 : latest.getIndex();
  }

  /**
   * How long the last snapshot took to copy, in nanoseconds, or -1 before the first. In blocking
   * mode applies waited that long.
   */
  long lastSnapshotNanos() {
    return lastSnapshotNanos;
  }

  /** The failure that stopped applies, or null. */
  Throwable failure() {
    return failure;
  }

  // ---- Ratis: applies ----

  @Override
  public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
    LogEntryProto entry = trx.getLogEntry();
    long index = entry.getIndex();
    long term = entry.getTerm();
    if (failure != null) {
      return CompletableFuture.failedFuture(failure);
    }
    applyLock.lock();
    try {
      if (index <= storedIndex) {
        advance(term, index);
        return CompletableFuture.completedFuture(Message.EMPTY);
      }
      var data = entry.getStateMachineLogEntry().getLogData();
      WriteBatch batch = WriteBatch.decode(data.asReadOnlyByteBuffer(), term + ":" + index);
      StorageEngine local = store.engine();
      boolean effective = batch.proposerTerm == term && batch.baseDataIndex == lastDataIndex;
      long newDataIndex = effective ? index : lastDataIndex;
      long physicalBefore = local.meter().physicalBytes();
      long syncsBefore = local.meter().syncs();
      long applyStart = System.nanoTime();
      try (WriteTxn txn = local.beginWrite()) {
        if (effective) {
          for (WriteBatch.Op op : batch.ops) {
            if (op.value() == null) {
              txn.delete(op.key());
            } else {
              txn.put(op.key(), op.value());
            }
          }
        }
        txn.put(AppliedMark.KEY, new AppliedMark(logId, index, term, newDataIndex).encode());
        txn.commit();
      }
      batchApplyNanos += System.nanoTime() - applyStart;
      batchApplies++;
      storedIndex = index;
      storedTerm = term;
      lastDataIndex = newDataIndex;
      if (effective) {
        meter.addLogical(batch.logicalBytes);
      }
      int entrySize = entry.getSerializedSize();
      // Each entry was written once to this replica's segmented log: varint length, entry, CRC.
      meter.addPhysical(
          CodedOutputStream.computeUInt32SizeNoTag(entrySize)
              + entrySize
              + 4L
              + (local.meter().physicalBytes() - physicalBefore));
      meter.addSyncs(local.meter().syncs() - syncsBefore);
      advance(term, index);
      CompletableFuture<Boolean> waiter = waiters.remove(batch.txnId);
      if (waiter != null) {
        waiter.complete(effective);
      }
      return CompletableFuture.completedFuture(Message.EMPTY);
    } catch (RuntimeException | Error e) {
      // A replica that cannot apply an entry must stop applying: skipping it would diverge.
      failure = e;
      LOG.log(
          System.Logger.Level.ERROR, "raft replica cannot apply entry " + term + ":" + index, e);
      return CompletableFuture.failedFuture(e);
    } finally {
      applyLock.unlock();
    }
  }

  private void advance(long term, long index) {
    if (index > appliedIndex) {
      appliedTerm = term;
      appliedIndex = index;
    }
  }

  @Override
  public void notifyTermIndexUpdated(long term, long index) {
    // Entries that are not batches (configuration, a new leader's first entry) reach the state
    // machine only here; their term is what tells a waiting commit that its term is over.
    applyLock.lock();
    try {
      advance(term, index);
    } finally {
      applyLock.unlock();
    }
  }

  @Override
  public CompletableFuture<Void> flush(long logIndex) {
    if (logDurability == Durability.SYNC) {
      meter.addSync();
    }
    return CompletableFuture.completedFuture(null);
  }

  // ---- Ratis: reads ----

  @Override
  public CompletableFuture<Message> query(Message request) {
    // Called once the replica has applied up to the read index: the engine then opens its local
    // read transaction, so nothing is read here.
    return CompletableFuture.completedFuture(Message.EMPTY);
  }

  @Override
  public CompletableFuture<Message> queryStale(Message request, long minIndex) {
    return CompletableFuture.completedFuture(Message.EMPTY);
  }

  // ---- Ratis: life cycle ----

  @Override
  public void initialize(RaftServer raftServer, RaftGroupId raftGroupId, RaftStorage storage)
      throws IOException {
    snapshots.init(storage);
    // The local store may be behind the newest snapshot (NO_SYNC lost its latest applies, or an
    // install stopped before it reached the store) while the log before it is purged.
    installNewerSnapshot();
    lifeCycle.startAndTransition(() -> {});
  }

  @Override
  public LifeCycle.State getLifeCycleState() {
    return lifeCycle.getCurrentState();
  }

  @Override
  public void pause() {
    lifeCycle.transitionIfValid(LifeCycle.State.PAUSING);
    lifeCycle.transitionIfValid(LifeCycle.State.PAUSED);
  }

  /** Called by Ratis after it received a snapshot from the leader (the state machine paused). */
  @Override
  public void reinitialize() throws IOException {
    installNewerSnapshot();
    lifeCycle.transitionIfValid(LifeCycle.State.STARTING);
    lifeCycle.transitionIfValid(LifeCycle.State.RUNNING);
  }

  /**
   * Replaces the local store with the newest snapshot if that is ahead of it, and writes this
   * replica's mark at the snapshot's index (the copy carries the mark of the replica it came from).
   */
  private void installNewerSnapshot() throws IOException {
    applyLock.lock();
    try {
      SnapshotDirectory.Snapshot latest = snapshots.getLatestSnapshot();
      if (latest == null || latest.getIndex() <= storedIndex) {
        return;
      }
      store.replaceWith(latest.data());
      StorageEngine local = store.engine();
      byte[] raw = local.get(AppliedMark.KEY);
      if (raw == null) {
        throw new IOException("snapshot " + latest + " holds no applied mark");
      }
      AppliedMark copied = AppliedMark.decode(raw);
      AppliedMark mine =
          new AppliedMark(logId, latest.getIndex(), latest.getTerm(), copied.lastDataIndex());
      try (WriteTxn txn = local.beginWrite()) {
        txn.put(AppliedMark.KEY, mine.encode());
        txn.commit();
      }
      loadMark();
      installs.incrementAndGet();
      LOG.log(System.Logger.Level.INFO, "raft replica installed " + latest);
    } finally {
      applyLock.unlock();
    }
  }

  /**
   * Called by Ratis on its apply thread when enough entries were applied since the last snapshot,
   * and again after each batch of applies until a newer snapshot is returned. Online, starts a
   * background copy (if none runs) and returns the newest finished snapshot's index; blocking,
   * copies before returning (no entry is applied meanwhile). Ratis may purge the log up to the
   * returned index.
   */
  @Override
  public long takeSnapshot() throws IOException {
    if (onlineSnapshots) {
      return takeSnapshotOnline();
    }
    applyLock.lock();
    try {
      long index = storedIndex;
      if (index < 0) {
        return -1;
      }
      SnapshotDirectory.Snapshot latest = snapshots.getLatestSnapshot();
      if (latest != null && latest.getIndex() >= index) {
        return latest.getIndex();
      }
      long start = System.nanoTime();
      Path tmp = snapshots.root().resolve(SnapshotDirectory.TMP);
      LocalStore.deleteTree(tmp);
      Files.createDirectories(tmp);
      store.backup(tmp.resolve("data"));
      completeSnapshot(tmp, TermIndex.valueOf(storedTerm, index));
      lastSnapshotNanos = System.nanoTime() - start;
      return index;
    } finally {
      applyLock.unlock();
    }
  }

  private long takeSnapshotOnline() {
    SnapshotDirectory.Snapshot latest = snapshots.getLatestSnapshot();
    long latestIndex = latest == null ? -1 : latest.getIndex();
    synchronized (snapshotJobLock) {
      if (snapshotJob != null) {
        if (snapshotJob.isAlive()) {
          return latestIndex;
        }
        // Finished: Ratis learns its index now, and asks again only once another is due.
        snapshotJob = null;
        return latestIndex;
      }
      if (closing || storedIndex < 0 || latestIndex >= storedIndex) {
        return latestIndex;
      }
      snapshotJob = new Thread(this::copyOnline, "raft-snapshot");
      snapshotJob.setDaemon(true);
      snapshotJob.start();
      return latestIndex;
    }
  }

  /** The background copy of an online snapshot; failures are logged and the next one retries. */
  private void copyOnline() {
    Path tmp = snapshots.root().resolve(SnapshotDirectory.TMP);
    try {
      long start = System.nanoTime();
      LocalStore.deleteTree(tmp);
      Files.createDirectories(tmp);
      store.backup(tmp.resolve("data"));
      AppliedMark mark = store.readMark(tmp.resolve("data"));
      if (mark == null || !mark.logId().equals(logId)) {
        // Nothing of this log applied yet: nothing to snapshot.
        LocalStore.deleteTree(tmp);
        return;
      }
      completeSnapshot(tmp, TermIndex.valueOf(mark.appliedTerm(), mark.appliedIndex()));
      lastSnapshotNanos = System.nanoTime() - start;
    } catch (IOException | RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "raft replica could not take a snapshot", e);
      try {
        LocalStore.deleteTree(tmp);
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
    }
  }

  /**
   * Marks the copy in {@code tmp} complete and renames it to its final name, then deletes older
   * snapshots. A newer complete snapshot (installed from the leader meanwhile) wins over it.
   */
  private void completeSnapshot(Path tmp, TermIndex ti) throws IOException {
    SnapshotDirectory.Snapshot latest = snapshots.getLatestSnapshot();
    if (latest != null && latest.getIndex() >= ti.getIndex()) {
      LocalStore.deleteTree(tmp);
      return;
    }
    Files.createFile(tmp.resolve(SnapshotDirectory.COMPLETE));
    Path target = snapshots.pathFor(ti);
    LocalStore.deleteTree(target);
    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
    LocalStore.syncDirectory(target.getParent());
    snapshots.deleteOlderThan(ti.getIndex());
  }

  @Override
  public StateMachineStorage getStateMachineStorage() {
    return snapshots;
  }

  @Override
  public SnapshotInfo getLatestSnapshot() {
    return snapshots.getLatestSnapshot();
  }

  @Override
  public TransactionContext startTransaction(RaftClientRequest request) {
    return TransactionContext.newBuilder().setStateMachine(this).setClientRequest(request).build();
  }

  @Override
  public TransactionContext preAppendTransaction(TransactionContext trx) {
    return trx;
  }

  @Override
  public TransactionContext cancelTransaction(TransactionContext trx) {
    return trx;
  }

  @Override
  public TransactionContext applyTransactionSerial(TransactionContext trx) {
    return trx;
  }

  @Override
  public TermIndex getLastAppliedTermIndex() {
    return TermIndex.valueOf(appliedTerm, appliedIndex);
  }

  @Override
  public void close() {
    Thread job;
    synchronized (snapshotJobLock) {
      closing = true;
      job = snapshotJob;
    }
    if (job != null) {
      // The local store closes after this: the copy reading it must be done first.
      boolean interrupted = false;
      while (job.isAlive()) {
        try {
          job.join();
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
    lifeCycle.checkStateAndClose();
    for (CompletableFuture<Boolean> w : waiters.values()) {
      w.completeExceptionally(new IllegalStateException("replica closed"));
    }
  }
}
