package dev.strata.api.spi;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Keeps an engine's {@code close()} from freeing memory under a running call: the engine-closed
 * half of every read and write transaction's guard. Every call that touches memory close frees
 * (native objects, a memory map) enters the guard first; {@link #close()} makes later entries fail,
 * and {@link #awaitIdle()} waits until the calls inside have left.
 *
 * <p>Why no call is missed: {@link #tryEnter()} counts the caller in before it reads the closed
 * flag, and {@link #close()} writes the flag before {@link #awaitIdle()} reads the count; both are
 * volatile, so either the caller sees the flag (and backs out) or the closer sees the caller (and
 * waits). The count is one {@link AtomicInteger}, not a striped counter: a striped sum can read
 * zero while a call is inside if the caller's increment and decrement land in different stripes.
 *
 * <p>Thread-safe. Each engine throws its own exception when {@link #tryEnter()} fails.
 */
public final class CallGuard {
  private final AtomicInteger inside = new AtomicInteger();
  private volatile boolean closed;

  /** Creates an open guard with no call inside. */
  public CallGuard() {}

  /**
   * Enters a call unless the guard is closed.
   *
   * @return true if entered (the caller must {@link #exit()} in a {@code finally}); false, without
   *     entering, if the guard is closed
   */
  public boolean tryEnter() {
    inside.incrementAndGet();
    if (closed) {
      inside.decrementAndGet();
      return false;
    }
    return true;
  }

  /** Leaves a call entered with a successful {@link #tryEnter()}. */
  public void exit() {
    inside.decrementAndGet();
  }

  /**
   * Closes the guard: every later {@link #tryEnter()} fails. Calls already inside continue; wait
   * for them with {@link #awaitIdle()}.
   *
   * @return true if this call closed it; false if it was already closed
   */
  public synchronized boolean close() {
    if (closed) {
      return false;
    }
    closed = true;
    return true;
  }

  /**
   * Tells whether the guard is closed.
   *
   * @return true once {@link #close()} has been called
   */
  public boolean isClosed() {
    return closed;
  }

  /**
   * Waits until no call is inside. After {@link #close()}, no call can enter again, so on return
   * the memory the calls used may be freed.
   */
  public void awaitIdle() {
    for (int round = 0; inside.get() != 0; round++) {
      backOff(round);
    }
  }

  /**
   * One round of a wait for calls that take microseconds: spins briefly, then parks for 0.1 ms so a
   * long call does not burn a core.
   *
   * @param round how many rounds the wait has taken so far
   */
  public static void backOff(int round) {
    if (round < 1_000) {
      Thread.onSpinWait();
    } else {
      LockSupport.parkNanos(100_000);
    }
  }
}
