package dev.strata.raft;

import dev.strata.api.Durability;
import dev.strata.api.StorageEngine;
import dev.strata.api.WriteAmplificationMeter;
import dev.strata.api.WriteTxn;
import java.io.IOException;
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
import org.apache.ratis.statemachine.SnapshotRetentionPolicy;
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
 */
final class StoreStateMachine implements StateMachine, StateMachine.DataApi, StateMachine.EventApi {
  private static final System.Logger LOG = System.getLogger(StoreStateMachine.class.getName());

  private final StorageEngine local;
  private final UUID logId;
  private final WriteAmplificationMeter meter;
  private final Durability logDurability;
  private final LifeCycle lifeCycle = new LifeCycle("StoreStateMachine");
  private final Map<UUID, CompletableFuture<Boolean>> waiters = new ConcurrentHashMap<>();
  final ReentrantLock applyLock = new ReentrantLock();

  private volatile long appliedIndex;
  private volatile long appliedTerm;
  private volatile long storedIndex;
  private volatile long lastDataIndex;
  private volatile Throwable failure;

  StoreStateMachine(
      StorageEngine local, UUID logId, WriteAmplificationMeter meter, Durability logDurability) {
    this.local = local;
    this.logId = logId;
    this.meter = meter;
    this.logDurability = logDurability;
    byte[] raw = local.get(AppliedMark.KEY);
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
      appliedTerm = mark.appliedTerm();
      lastDataIndex = mark.lastDataIndex();
    }
    appliedIndex = storedIndex;
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
      boolean effective = batch.proposerTerm == term && batch.baseDataIndex == lastDataIndex;
      long newDataIndex = effective ? index : lastDataIndex;
      long physicalBefore = local.meter().physicalBytes();
      long syncsBefore = local.meter().syncs();
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
      storedIndex = index;
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

  @Override
  public void reinitialize() throws IOException {
    lifeCycle.transitionIfValid(LifeCycle.State.STARTING);
    lifeCycle.transitionIfValid(LifeCycle.State.RUNNING);
  }

  @Override
  public long takeSnapshot() {
    return -1;
  }

  @Override
  public StateMachineStorage getStateMachineStorage() {
    return NO_SNAPSHOTS;
  }

  @Override
  public SnapshotInfo getLatestSnapshot() {
    return null;
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
    lifeCycle.checkStateAndClose();
    for (CompletableFuture<Boolean> w : waiters.values()) {
      w.completeExceptionally(new IllegalStateException("replica closed"));
    }
  }

  private static final StateMachineStorage NO_SNAPSHOTS =
      new StateMachineStorage() {
        @Override
        public void init(RaftStorage raftStorage) {}

        @Override
        public SnapshotInfo getLatestSnapshot() {
          return null;
        }

        @Override
        public void format() {}

        @Override
        public void cleanupOldSnapshots(SnapshotRetentionPolicy policy) {}
      };
}
