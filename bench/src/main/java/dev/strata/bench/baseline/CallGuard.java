package dev.strata.bench.baseline;

import dev.strata.api.TransactionClosedException;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * Keeps {@code close()} from freeing native memory under a running call. Every call into the native
 * library enters the guard; close sets {@code closing} and waits until no call is inside. The
 * counter is incremented before {@code closing} is read, and close writes {@code closing} before it
 * sums the counter, so either the caller sees {@code closing} or close sees the caller.
 * Thread-safe.
 */
final class CallGuard {
  private final LongAdder inside = new LongAdder();
  private volatile boolean closing;

  /**
   * Enters a call.
   *
   * @throws TransactionClosedException if the engine is closing; nothing to exit then
   */
  void enter() {
    inside.increment();
    if (closing) {
      inside.decrement();
      throw new TransactionClosedException("transaction is closed: its engine was closed");
    }
  }

  /** Tries to enter a call; returns false, without entering, if the engine is closing. */
  boolean tryEnter() {
    inside.increment();
    if (closing) {
      inside.decrement();
      return false;
    }
    return true;
  }

  /** Leaves a call entered with {@link #enter()} or a successful {@link #tryEnter()}. */
  void exit() {
    inside.decrement();
  }

  /** Makes new calls fail and waits for the calls inside to return. */
  void closeAndWait() {
    closing = true;
    while (inside.sum() != 0) {
      LockSupport.parkNanos(100_000);
    }
  }
}
