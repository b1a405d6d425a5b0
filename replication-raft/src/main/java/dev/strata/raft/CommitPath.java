package dev.strata.raft;

import dev.strata.api.EngineClosedException;
import dev.strata.api.EngineFailedException;
import dev.strata.api.spi.InterruptShield;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.server.DivisionInfo;

/**
 * The write path from a transaction to the group: waiting until this replica is a leader that
 * applied everything committed, submitting a transaction as one log entry, and telling its outcome
 * (applied, applied nowhere, unknown). Thread-safe; the engine's writer gate keeps one transaction
 * here at a time.
 */
final class CommitPath {
  private final RaftSettings settings;
  private final Replica replica;
  private final StoreStateMachine stateMachine;
  private final BooleanSupplier closed;

  CommitPath(
      RaftSettings settings,
      Replica replica,
      StoreStateMachine stateMachine,
      BooleanSupplier closed) {
    this.settings = settings;
    this.replica = replica;
    this.stateMachine = stateMachine;
    this.closed = closed;
  }

  /**
   * Waits until this replica is a ready leader that applied everything committed; returns its term.
   *
   * @throws NotLeaderException if another replica leads
   * @throws ReplicationException if it did not get ready within the request timeout
   */
  long awaitReadyLeader() {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(settings.requestTimeoutMs);
    while (true) {
      checkOpen();
      DivisionInfo info = replica.info();
      if (!info.isLeader()) {
        throw replica.notLeader();
      }
      long term = info.getCurrentTerm();
      if (info.isLeaderReady() && stateMachine.appliedIndex() >= replica.commitIndex()) {
        return term;
      }
      if (System.nanoTime() > deadline) {
        throw new ReplicationException(
            "replica " + settings.id + " leads term " + term + " but did not get ready in time");
      }
      Waits.pause(2);
    }
  }

  /** Submits a transaction's writes (in key order) as one entry and waits for its outcome. */
  void replicate(long term, long baseDataIndex, long logicalBytes, List<WriteBatch.Op> ops) {
    InterruptShield.enter();
    try {
      checkHealthy();
      DivisionInfo info = replica.info();
      if (!info.isLeader() || info.getCurrentTerm() != term) {
        throw new LeadershipLostException(
            "replica "
                + settings.id
                + " lost leadership of term "
                + term
                + " before the commit; nothing was written");
      }
      UUID txnId = UUID.randomUUID();
      byte[] entry = new WriteBatch(term, baseDataIndex, txnId, logicalBytes, ops).encode();
      if (entry.length > settings.maxEntryBytes) {
        throw new IllegalArgumentException(
            "the transaction encodes to "
                + entry.length
                + " bytes, over raft.maxEntryBytes ("
                + settings.maxEntryBytes
                + "); nothing was written");
      }
      CompletableFuture<Boolean> outcome = stateMachine.expect(txnId);
      try {
        awaitOutcome(term, outcome, replica.submitWrite(entry));
      } finally {
        stateMachine.forget(txnId);
      }
    } finally {
      InterruptShield.exit();
    }
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
      if (replyFailed && stateMachine.appliedTerm() > term && !outcome.isDone()) {
        throw new LeadershipLostException(
            "replica "
                + settings.id
                + " lost leadership of term "
                + term
                + " before the commit; nothing was written");
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
}
