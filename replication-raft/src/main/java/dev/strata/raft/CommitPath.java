package dev.strata.raft;

import dev.strata.api.EngineClosedException;
import dev.strata.api.EngineFailedException;
import dev.strata.api.KeyRange;
import dev.strata.api.StorageException;
import dev.strata.api.spi.InterruptShield;
import dev.strata.api.spi.WriterGate;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.server.DivisionInfo;

/**
 * The write path from transactions to the group: group commit over a pipeline of one log entry in
 * flight.
 *
 * <h2>Pipeline</h2>
 *
 * A transaction's {@code commit()} checks the transaction on its own (its encoded size), queues its
 * writes here and ends the transaction at once, so the next write transaction can begin while the
 * entry is replicated; the committing thread then waits for the outcome. One submitter thread takes
 * every queued transaction into the next log entry (up to {@code raft.maxEntryBytes}) while the
 * previous entry is in flight: with many clients, one entry and one round of fsyncs carries many
 * transactions. Each entry is still one {@link WriteBatch}, applied on every replica as one local
 * transaction, so every transaction in it is atomic; an entry's outcome (applied, applied nowhere,
 * unknown) is the outcome of each transaction in it.
 *
 * <h2>Views over queued transactions</h2>
 *
 * Write transactions stay serial: a transaction that begins while earlier ones are queued or in
 * flight sees their writes (a {@link WriteView}: the local snapshot plus their write sets, taken
 * under the state machine's apply lock so that a transaction applied meanwhile is in one or both,
 * never in neither). Its own entry is submitted only after theirs took effect, with the base data
 * index their entry produced. If one of them fails, every transaction queued after it fails too (it
 * read writes that never happened; nothing of it was written), and transactions still open that saw
 * them fail at commit ({@link #epoch}).
 *
 * <h2>Leadership</h2>
 *
 * Once this replica, leading term T, has applied everything committed before it became ready, all
 * later data entries of term T are its own, queued here: the next transactions only wait for that
 * once per term. A transaction of another term never shares a view with one of term T: a new term
 * waits until the pipeline of the old one has drained.
 *
 * <p>Thread-safe. Lock order: the state machine's apply lock, then this object's monitor.
 */
final class CommitPath {
  private static final System.Logger LOG = System.getLogger(CommitPath.class.getName());

  private final RaftSettings settings;
  private final Replica replica;
  private final StoreStateMachine stateMachine;
  private final LocalStore local;
  private final BooleanSupplier closed;
  private final WriterGate writer;

  // Whether the transaction holding the engine's writer has already queued its writes: it only
  // has to release the writer, and nothing more of it will join an entry.
  private volatile boolean writerQueued;

  // Guarded by this.
  private final ArrayDeque<QueuedTxn> queue = new ArrayDeque<>();
  private final List<QueuedTxn> unresolved = new ArrayList<>();
  private long epoch;
  private long readyTerm = -1;
  private Thread submitter;

  // Submitter thread only: the data index the last entry produced, which the transactions that
  // read its writes build on.
  private long pipelineDataIndex = -1;

  // Written by the submitter thread only: entries it proposed, the transactions in them, and the
  // time from each submit to its outcome here (the Raft round and this replica's apply).
  private volatile long entriesProposed;
  private volatile long transactionsProposed;
  private volatile long proposeNanos;

  CommitPath(
      RaftSettings settings,
      Replica replica,
      StoreStateMachine stateMachine,
      LocalStore local,
      BooleanSupplier closed,
      WriterGate writer) {
    this.settings = settings;
    this.replica = replica;
    this.stateMachine = stateMachine;
    this.local = local;
    this.closed = closed;
    this.writer = writer;
  }

  /**
   * Waits until this replica is a leader ready for writes, then returns a transaction's view; the
   * caller holds the engine's writer.
   *
   * @throws NotLeaderException if another replica leads
   * @throws ReplicationException if it did not get ready within the request timeout
   */
  WriteView beginView() {
    writerQueued = false;
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(settings.requestTimeoutMs);
    while (true) {
      checkOpen();
      checkHealthy();
      DivisionInfo info = replica.info();
      if (!info.isLeader()) {
        throw replica.notLeader();
      }
      long term = info.getCurrentTerm();
      WriteView view = tryView(term, info.isLeaderReady());
      if (view != null) {
        return view;
      }
      if (System.nanoTime() > deadline) {
        throw new ReplicationException(
            "replica " + settings.id + " leads term " + term + " but did not get ready in time");
      }
      Waits.pause(2);
    }
  }

  private WriteView tryView(long term, boolean leaderReady) {
    stateMachine.applyLock.lock();
    try {
      synchronized (this) {
        if (readyTerm != term) {
          boolean oldPipelineDrained = unresolved.isEmpty();
          if (!leaderReady
              || !oldPipelineDrained
              || stateMachine.appliedIndex() < replica.commitIndex()) {
            return null;
          }
          readyTerm = term;
        }
        return new WriteView(
            term, epoch, stateMachine.lastDataIndex(), local.beginRead(), List.copyOf(unresolved));
      }
    } finally {
      stateMachine.applyLock.unlock();
    }
  }

  /**
   * Queues a committed transaction's writes (key to value or {@code WriteOverlay.TOMBSTONE}, no
   * longer changed by the caller) for the next entry. Checks first what fails this transaction
   * alone.
   *
   * @return the queued transaction, whose outcome {@link #await} waits for
   * @throws IllegalArgumentException if the writes encode to more than {@code raft.maxEntryBytes}
   * @throws LeadershipLostException if leadership changed, or a transaction it read from failed
   */
  QueuedTxn enqueue(WriteView view, NavigableMap<byte[], byte[]> writes, long logicalBytes) {
    checkHealthy();
    long encoded = WriteBatch.encodedSize(writes);
    if (encoded > settings.maxEntryBytes) {
      throw new IllegalArgumentException(
          "the transaction encodes to "
              + encoded
              + " bytes, over raft.maxEntryBytes ("
              + settings.maxEntryBytes
              + "); nothing was written");
    }
    DivisionInfo info = replica.info();
    if (!info.isLeader() || info.getCurrentTerm() != view.term()) {
      throw lostBeforeCommit(view.term());
    }
    QueuedTxn q = new QueuedTxn(view, writes, logicalBytes, encoded);
    synchronized (this) {
      checkOpen();
      if (epoch != view.epoch()) {
        throw new LeadershipLostException(
            "replica "
                + settings.id
                + ": a transaction this one read from failed; nothing of this one was written");
      }
      queue.add(q);
      unresolved.add(q);
      writerQueued = true;
      if (submitter == null) {
        submitter = new Thread(this::submitLoop, "strata-raft-commit-" + settings.id);
        submitter.setDaemon(true);
        submitter.start();
      }
      notifyAll();
    }
    return q;
  }

  /**
   * Waits for a queued transaction's outcome, or for the outcome of the transactions a view
   * includes when {@code q} is null (a transaction that wrote nothing but read queued writes).
   *
   * @throws LeadershipLostException if it was applied nowhere
   * @throws ReplicationException if the group did not settle it in time (outcome unknown)
   * @throws EngineClosedException if the engine closed first
   */
  void await(QueuedTxn q, WriteView view) {
    if (q == null) {
      if (view.queued().isEmpty()) {
        return;
      }
      q = view.queued().get(view.queued().size() - 1);
    }
    InterruptShield.enter();
    try {
      while (true) {
        try {
          Waits.await(q.outcome, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100));
          return;
        } catch (TimeoutException e) {
          checkOpen();
        } catch (ExecutionException e) {
          throw copyForCaller(e.getCause());
        }
      }
    } finally {
      InterruptShield.exit();
    }
  }

  /** A fresh exception of the same kind, so each committing thread gets its own stack trace. */
  private RuntimeException copyForCaller(Throwable t) {
    if (t instanceof LeadershipLostException) {
      return new LeadershipLostException(t.getMessage());
    }
    if (t instanceof ReplicationException) {
      return new ReplicationException(t.getMessage(), t.getCause());
    }
    if (t instanceof EngineClosedException) {
      return new EngineClosedException(t.getMessage());
    }
    if (t instanceof EngineFailedException) {
      return new EngineFailedException(t.getMessage(), t.getCause());
    }
    return new EngineFailedException("raft replica " + settings.id + " failed a commit", t);
  }

  // ---- the submitter thread ----

  private void submitLoop() {
    while (true) {
      List<QueuedTxn> entry;
      synchronized (this) {
        while (queue.isEmpty() && !closed.getAsBoolean()) {
          try {
            wait(100);
          } catch (InterruptedException e) {
            // Only close ends this thread.
          }
        }
        if (queue.isEmpty()) {
          return;
        }
        try {
          awaitWritersBeingWritten();
        } catch (InterruptedException e) {
          // Only close ends this thread; the entry goes now.
        }
        entry = takeEntry();
      }
      try {
        submit(entry);
        resolve(entry, null);
      } catch (RuntimeException | Error e) {
        resolve(entry, e);
        if (e instanceof Error err) {
          LOG.log(System.Logger.Level.ERROR, "raft commit submitter failed", err);
        }
      }
    }
  }

  /**
   * Holding this monitor, before taking the next entry: waits up to {@code raft.batchWaitMicros}
   * while a transaction is being written (the engine's writer held by one that has not queued its
   * writes yet, or waited for), so transactions being written join this entry rather than the next.
   * With many committers the clients whose entry just completed are then writing their next
   * transactions: without the wait, the entries alternate between two halves of the clients, each
   * paying a whole Raft round; with it, one entry carries most of them. A lone committer never
   * waits: its transaction is queued, and nobody else holds or waits for the writer, when this
   * runs. Woken by every enqueue and every writer release.
   */
  private void awaitWritersBeingWritten() throws InterruptedException {
    if (settings.batchWaitMicros == 0) {
      return;
    }
    long deadline = System.nanoTime() + TimeUnit.MICROSECONDS.toNanos(settings.batchWaitMicros);
    while ((writer.hasWaiters() || (writer.isHeld() && !writerQueued)) && !closed.getAsBoolean()) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return;
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
  }

  /** Called when a write transaction ends, however it ends: the writer may be free now. */
  synchronized void writerReleased() {
    notifyAll();
  }

  /** Takes queued transactions for one entry: at least one, within raft.maxEntryBytes. */
  private List<QueuedTxn> takeEntry() {
    List<QueuedTxn> entry = new ArrayList<>();
    long bytes = 0;
    while (!queue.isEmpty()) {
      QueuedTxn next = queue.peek();
      if (!entry.isEmpty()
          && (bytes + next.encodedBytes > settings.maxEntryBytes
              || next.term != entry.get(0).term)) {
        break;
      }
      bytes += next.encodedBytes;
      entry.add(queue.poll());
    }
    return entry;
  }

  /** Submits one entry holding {@code txns} and waits until its outcome is known. */
  private void submit(List<QueuedTxn> txns) {
    long term = txns.get(0).term;
    checkHealthy();
    DivisionInfo info = replica.info();
    if (!info.isLeader() || info.getCurrentTerm() != term) {
      throw lostBeforeCommit(term);
    }
    NavigableMap<byte[], byte[]> merged = txns.get(0).writes;
    long logicalBytes = 0;
    if (txns.size() > 1) {
      merged = new TreeMap<>(KeyRange::compare);
      for (QueuedTxn q : txns) {
        merged.putAll(q.writes);
      }
    }
    for (QueuedTxn q : txns) {
      logicalBytes += q.logicalBytes;
    }
    // The entry's base is the state its first transaction read: its snapshot's data index or, if
    // it also read queued transactions, the data index of the entry before (which took effect, or
    // it would have failed with it). Serial writes make that the state each later transaction of
    // the entry read too, plus the transactions before it in the entry.
    QueuedTxn first = txns.get(0);
    long baseDataIndex = first.readQueued ? pipelineDataIndex : first.snapshotDataIndex;
    UUID entryId = UUID.randomUUID();
    byte[] encoded =
        new WriteBatch(term, baseDataIndex, entryId, logicalBytes, WriteBatch.ops(merged)).encode();
    CompletableFuture<Boolean> outcome = stateMachine.expect(entryId);
    // The thread that applies the entry completes its transactions at once (under the apply lock,
    // which comes before this object's monitor), so a committer does not also wait for this
    // thread to wake; this thread only moves on to the next entry.
    outcome.thenAccept(
        effective -> {
          if (effective) {
            resolve(txns, null);
          }
        });
    // Counted before the submit: a commit returns once its entry is applied, which may be before
    // this thread wakes again.
    entriesProposed++;
    transactionsProposed += txns.size();
    long start = System.nanoTime();
    try {
      awaitOutcome(term, outcome, replica.submitWrite(encoded));
    } finally {
      stateMachine.forget(entryId);
      proposeNanos += System.nanoTime() - start;
    }
    // Applied with effect: the apply set the last data index to this entry's before completing
    // the outcome, and no later data entry of this term exists yet.
    pipelineDataIndex = stateMachine.lastDataIndex();
  }

  /** Log entries this replica proposed as leader since it opened, counted when submitted. */
  long entriesProposed() {
    return entriesProposed;
  }

  /** The write transactions in those entries. */
  long transactionsProposed() {
    return transactionsProposed;
  }

  /**
   * The time from submitting each of those entries to knowing its outcome, summed; an entry's time
   * is added once this thread learns its outcome.
   */
  long proposeNanos() {
    return proposeNanos;
  }

  /**
   * Completes an entry's transactions; on failure also fails every transaction queued after them,
   * which read their writes, and voids the views of open transactions. Completing the same entry
   * twice changes nothing.
   */
  private void resolve(List<QueuedTxn> entry, Throwable failure) {
    List<QueuedTxn> dependents = List.of();
    synchronized (this) {
      unresolved.removeAll(entry);
      if (failure != null) {
        epoch++;
        dependents = new ArrayList<>(queue);
        queue.clear();
        unresolved.clear();
      }
    }
    for (QueuedTxn q : entry) {
      if (failure == null) {
        q.outcome.complete(null);
      } else {
        q.outcome.completeExceptionally(failure);
      }
    }
    if (!dependents.isEmpty()) {
      RuntimeException dependentFailure = dependentFailure(failure);
      for (QueuedTxn q : dependents) {
        q.outcome.completeExceptionally(dependentFailure);
      }
    }
  }

  private RuntimeException dependentFailure(Throwable failure) {
    if (failure instanceof EngineClosedException closedFailure) {
      return closedFailure;
    }
    String message =
        "replica "
            + settings.id
            + ": a transaction committed before this one, whose writes it read, "
            + (failure instanceof LeadershipLostException
                ? "was applied nowhere"
                : "failed (" + failure + ")")
            + "; this one was not submitted and wrote nothing";
    return failure instanceof LeadershipLostException
        ? new LeadershipLostException(message)
        : new ReplicationException(message, failure);
  }

  private LeadershipLostException lostBeforeCommit(long term) {
    return new LeadershipLostException(
        "replica "
            + settings.id
            + " lost leadership of term "
            + term
            + " before the commit; nothing was written");
  }

  private void awaitOutcome(
      long term, CompletableFuture<Boolean> outcome, CompletableFuture<RaftClientReply> reply) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(settings.requestTimeoutMs);
    boolean replyFailed = false;
    while (true) {
      if (outcome.isDone()) {
        boolean effective;
        try {
          effective = outcome.join();
        } catch (RuntimeException e) {
          throw closedOrFailed(e);
        }
        if (effective) {
          return;
        }
        throw new LeadershipLostException(
            "replica "
                + settings.id
                + " lost leadership of term "
                + term
                + "; the transaction was applied nowhere");
      }
      if (!replyFailed && reply.isDone()) {
        RaftClientReply r = reply.exceptionally(t -> null).join();
        replyFailed = r == null || !r.isSuccess();
      }
      // Once an entry of a later term is applied here, an entry of this term not applied yet
      // never will be: Raft settles it on every replica.
      if (replyFailed && stateMachine.appliedTerm() > term && !outcome.isDone()) {
        throw lostBeforeCommit(term);
      }
      if (closed.getAsBoolean()) {
        throw new EngineClosedException("raft replica " + settings.id + " closed during a commit");
      }
      checkHealthy();
      if (System.nanoTime() > deadline) {
        throw new ReplicationException(
            "replica "
                + settings.id
                + ": the group did not settle the commit within "
                + settings.requestTimeoutMs
                + " ms; its outcome is unknown");
      }
      try {
        Waits.await(
            CompletableFuture.anyOf(outcome, reply),
            System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(10));
      } catch (TimeoutException | ExecutionException e) {
        // Checked again at the top of the loop.
      }
    }
  }

  private RuntimeException closedOrFailed(RuntimeException e) {
    if (closed.getAsBoolean()) {
      return new EngineClosedException("raft replica " + settings.id + " closed during a commit");
    }
    return new EngineFailedException("raft replica " + settings.id + " failed during a commit", e);
  }

  private void checkOpen() {
    if (closed.getAsBoolean()) {
      throw new EngineClosedException("raft replica " + settings.id + " is closed");
    }
  }

  /**
   * Throws if the state machine stopped applying the log.
   *
   * @throws EngineFailedException carrying the apply failure
   */
  void checkHealthy() {
    Throwable failure = stateMachine.failure();
    if (failure != null) {
      throw new EngineFailedException(
          "raft replica " + settings.id + " stopped applying the log; reopen it", failure);
    }
  }

  /**
   * Wakes the submitter after the engine was marked closed and waits briefly for it: an entry in
   * flight then fails with {@link EngineClosedException}, and so does everything queued after it.
   */
  void close() {
    Thread t;
    synchronized (this) {
      notifyAll();
      t = submitter;
    }
    if (t != null) {
      try {
        t.join(TimeUnit.MILLISECONDS.toMillis(5_000));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    List<QueuedTxn> left;
    synchronized (this) {
      left = new ArrayList<>(unresolved);
      queue.clear();
      unresolved.clear();
      epoch++;
    }
    StorageException closedFailure =
        new EngineClosedException("raft replica " + settings.id + " closed during a commit");
    for (QueuedTxn q : left) {
      q.outcome.completeExceptionally(closedFailure);
    }
  }
}
