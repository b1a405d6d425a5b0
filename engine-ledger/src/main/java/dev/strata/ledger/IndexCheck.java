package dev.strata.ledger;

import dev.strata.api.StorageIOException;
import java.io.IOException;

/**
 * The index part of {@code verifyIntegrity()}: sorts the index entries visible at a committed state
 * by sequence number ({@link IndexBySeq}) and merges them against its own pass over the log, so
 * that every indexed entry is checked to be in the log at its position with its key and kind. It
 * runs on its own thread next to the chain and Merkle passes; sorting a million keys costs about as
 * much as hashing their entries. Like {@link MerkleCheck} it leaves unreadable records to the chain
 * pass to report.
 *
 * <p>Not thread-safe: {@link #run()} runs once, on one thread; {@link #cancel()} may be called from
 * any thread.
 */
final class IndexCheck implements Verifier.SidePass {
  private static final int SCAN_BUFFER = 1 << 20;

  private final LedgerEngine engine;
  private final Visible state;
  private volatile boolean cancelled;
  private IndexBySeq index;

  IndexCheck(LedgerEngine engine, Visible state) {
    this.engine = engine;
    this.state = state;
  }

  @Override
  public void cancel() {
    cancelled = true;
  }

  /**
   * Runs the pass.
   *
   * @throws dev.strata.api.TamperException if an indexed entry disagrees with the log
   * @throws StorageIOException if the log cannot be read
   */
  @Override
  public void run() {
    index = IndexBySeq.of(engine, state.size());
    long seq = 0;
    try {
      LogScanner scanner =
          new LogScanner(engine.log, SegmentLog.start(), state.endPosition(), SCAN_BUFFER);
      for (Rec r = scanner.next(); r != null && !cancelled; r = scanner.next()) {
        if (!r.isCommit()) {
          index.check(engine, r, seq++);
        }
      }
    } catch (LogScanner.Problem p) {
      // The chain pass reads the same bytes and reports the damage with its context.
      cancelled = true;
    } catch (IOException e) {
      throw new StorageIOException("cannot read ledger " + engine.directory(), e);
    }
  }

  /** The index as merged by a finished pass. */
  IndexBySeq index() {
    return index;
  }
}
