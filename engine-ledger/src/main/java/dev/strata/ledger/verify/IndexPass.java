package dev.strata.ledger.verify;

import dev.strata.ledger.log.CommittedState;

/**
 * The index part of {@code verifyIntegrity()}: orders the index entries visible at a committed
 * state by sequence number ({@link IndexEntriesBySeq}) and merges them against the entries the
 * chain pass hands it through the {@link CanonicalBytesFeed} (so the log is read and decoded once),
 * checking that every indexed entry is in the log at its position with its key and kind. It runs on
 * its own thread next to the chain and Merkle passes. Ordering a million keys takes about 20 ms,
 * while the chain pass decodes and hashes about 80,000 entries, so this pass may fall further
 * behind the chain pass ({@link #LAG}) than the Merkle pass: the chain pass does not wait for it
 * unless the index is far larger than that.
 *
 * <p>Not thread-safe: {@link #run()} runs once, on one thread; {@link #cancel()} may be called from
 * any thread.
 */
final class IndexPass implements IntegrityCheck.SidePass {
  /** This pass's consumer number on the feed. */
  static final int CONSUMER = 1;

  /** Batches this pass may fall behind the chain pass; they are allocated only when it does. */
  static final int LAG = 24;

  private final CheckedParts parts;
  private final CommittedState state;
  private final CanonicalBytesFeed feed;
  private IndexEntriesBySeq index;
  private volatile boolean finished;

  IndexPass(CheckedParts parts, CommittedState state, CanonicalBytesFeed feed) {
    this.parts = parts;
    this.state = state;
    this.feed = feed;
  }

  @Override
  public void cancel() {
    feed.stop();
  }

  /**
   * Runs the pass.
   *
   * @throws dev.strata.api.TamperException if an indexed entry disagrees with the log
   */
  @Override
  public void run() {
    try {
      index = IndexEntriesBySeq.of(parts.keyIndex(), parts.reader(), state.size());
    } catch (RuntimeException | Error e) {
      // The producer must not wait for a pass that will never read.
      feed.stop();
      throw e;
    }
    long[] firstSeq = {0};
    finished =
        feed.drain(
            CONSUMER,
            b -> {
              index.check(parts.log(), firstSeq[0], b);
              firstSeq[0] += b.count;
            });
  }

  @Override
  public boolean finished() {
    return finished;
  }

  /** The index as merged by a finished pass. */
  IndexEntriesBySeq index() {
    return index;
  }
}
