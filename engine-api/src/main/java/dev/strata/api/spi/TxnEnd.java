package dev.strata.api.spi;

import dev.strata.api.TransactionClosedException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Whether a transaction has ended, and how: the part of a transaction's lifecycle every engine
 * shares. A transaction ends exactly once (commit, rollback, close, or its engine closing); every
 * later call must fail with a {@link TransactionClosedException} that says how it ended.
 * Thread-safe: an engine that closes may end transactions from its own thread.
 */
public final class TxnEnd {
  private final AtomicBoolean ended = new AtomicBoolean();
  private volatile String how;

  /** Creates the state of a transaction that has not ended. */
  public TxnEnd() {}

  /**
   * Ends the transaction if it has not ended yet.
   *
   * @param how how it ended, for later exceptions, e.g. {@code "committed"} or {@code "rolled
   *     back"}
   * @return whether this call ended it; false if it had already ended
   */
  public boolean end(String how) {
    if (!ended.compareAndSet(false, true)) {
      return false;
    }
    this.how = how;
    return true;
  }

  /** Whether the transaction has ended. */
  public boolean isEnded() {
    return ended.get();
  }

  /**
   * Checks that the transaction may still be used.
   *
   * @param description names the transaction in the exception, e.g. {@code "read transaction"}
   * @param engineClosed whether the transaction's engine is closed
   * @throws TransactionClosedException if the transaction ended or its engine is closed
   */
  public void check(String description, boolean engineClosed) {
    if (ended.get()) {
      String endedHow = how;
      throw new TransactionClosedException(
          description + " is " + (endedHow == null ? "closed" : endedHow));
    }
    if (engineClosed) {
      throw new TransactionClosedException(description + " is closed: its engine was closed");
    }
  }
}
