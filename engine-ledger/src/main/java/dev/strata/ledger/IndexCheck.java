package dev.strata.ledger;

/**
 * The index part of {@code verifyIntegrity()}: sorts the index entries visible at a committed state
 * by sequence number ({@link IndexBySeq}) and merges them against the entries the chain pass hands
 * it through the {@link LeafFeed} (so the log is read and decoded once), checking that every
 * indexed entry is in the log at its position with its key and kind. It runs on its own thread next
 * to the chain and Merkle passes; sorting a million keys costs about as much as hashing their
 * entries, and the chain pass waits for the sort once the feed's few batches are full.
 *
 * <p>Not thread-safe: {@link #run()} runs once, on one thread; {@link #cancel()} may be called from
 * any thread.
 */
final class IndexCheck implements Verifier.SidePass {
  /** This pass's consumer number on the feed. */
  static final int CONSUMER = 1;

  private final LedgerEngine engine;
  private final Visible state;
  private final LeafFeed feed;
  private IndexBySeq index;
  private volatile boolean finished;

  IndexCheck(LedgerEngine engine, Visible state, LeafFeed feed) {
    this.engine = engine;
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
      index = IndexBySeq.of(engine, state.size());
    } catch (RuntimeException | Error e) {
      // The producer must not wait for a pass that will never read.
      feed.stop();
      throw e;
    }
    long[] seq = {0};
    finished =
        feed.drain(
            CONSUMER,
            b -> {
              for (int i = 0; i < b.count; i++) {
                index.check(engine, seq[0]++, b.positions[i], b.data, b.offsets[i]);
              }
            });
  }

  @Override
  public boolean finished() {
    return finished;
  }

  /** The index as merged by a finished pass. */
  IndexBySeq index() {
    return index;
  }
}
