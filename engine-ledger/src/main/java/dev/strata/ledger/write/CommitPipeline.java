package dev.strata.ledger.write;

import dev.strata.api.WriteAmplificationMeter;
import dev.strata.ledger.log.CommittedState;
import java.io.IOException;
import java.util.ArrayDeque;

/**
 * Group commit and publication. The writer appends a transaction's block under the writer gate,
 * hands the resulting state here and releases the gate; the committing thread then waits until a
 * sync covers its block. Whichever waiter finds no sync running becomes the leader: it forces the
 * log once for every block appended so far, so commits that arrived while the previous fsync ran
 * share the next one.
 *
 * <p>Readers see a state only once it is durable: states are published strictly in append order,
 * after the sync that covers them (under {@code NO_SYNC}, at once). Thread-safe.
 */
public final class CommitPipeline {
  /** Forces the file a block was appended to; a seam so tests can hold a sync open. */
  interface Sync {
    void force() throws IOException;
  }

  private record Pending(CommittedState state, Sync sync) {}

  private final boolean syncOnCommit;
  private final WriteAmplificationMeter meter;
  private final ArrayDeque<Pending> pending = new ArrayDeque<>();
  private volatile CommittedState visible;
  private long durableEnd;
  private boolean syncing;
  private IOException failure;
  private long commitsSynced;
  private long syncs;

  /**
   * A pipeline whose first published state is {@code initial}; {@code sync} false publishes at
   * once.
   */
  public CommitPipeline(CommittedState initial, boolean sync, WriteAmplificationMeter meter) {
    this.visible = initial;
    this.durableEnd = initial.endPosition();
    this.syncOnCommit = sync;
    this.meter = meter;
  }

  /** The newest published state. */
  public CommittedState visible() {
    return visible;
  }

  /** The newest appended state, durable or not: what the next write transaction reads. */
  synchronized CommittedState lastAppended() {
    Pending last = pending.peekLast();
    return last == null ? visible : last.state();
  }

  /** Queues an appended block's state; called by the writer, in append order. */
  synchronized void appended(CommittedState state, Sync sync) {
    if (!syncOnCommit) {
      visible = state;
      return;
    }
    pending.addLast(new Pending(state, sync));
  }

  /**
   * Returns once {@code state} is durable and published.
   *
   * @throws IOException if the sync failed (for this or an earlier block)
   */
  void awaitDurable(CommittedState state) throws IOException {
    if (!syncOnCommit) {
      return;
    }
    boolean interrupted = false;
    try {
      Pending target = null;
      synchronized (this) {
        while (target == null) {
          if (durableEnd >= state.endPosition()) {
            return;
          }
          if (failure != null) {
            throw new IOException("an earlier sync of the ledger failed", failure);
          }
          if (!syncing) {
            syncing = true;
            target = pending.peekLast();
          } else {
            try {
              wait();
            } catch (InterruptedException e) {
              // An appended commit must not return before it is durable: keep waiting.
              interrupted = true;
            }
          }
        }
      }
      sync(target);
    } finally {
      // Restored only now: a sync on a thread whose flag is set would close the file.
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** The leader's part: forces the log once for every block appended so far and publishes them. */
  private void sync(Pending target) throws IOException {
    try {
      target.sync().force();
      meter.addSync();
    } catch (IOException e) {
      synchronized (this) {
        failure = e;
        syncing = false;
        notifyAll();
      }
      throw e;
    }
    synchronized (this) {
      durableEnd = Math.max(durableEnd, target.state().endPosition());
      int published = 0;
      while (!pending.isEmpty()
          && pending.peekFirst().state().endPosition() <= target.state().endPosition()) {
        visible = pending.pollFirst().state();
        published++;
      }
      commitsSynced += published;
      syncs++;
      syncing = false;
      notifyAll();
    }
  }

  /** Commits published by group syncs and the number of those syncs, for stats. */
  public synchronized long[] groupCommitCounts() {
    return new long[] {commitsSynced, syncs};
  }
}
