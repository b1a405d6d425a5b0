package dev.strata.raft;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Waits that a caller's interrupt does not break: the engine's calls work from an interrupted
 * thread (as every Strata engine's do) and leave its interrupt flag set, so a wait remembers an
 * interrupt, keeps waiting, and restores the flag when it returns.
 */
final class Waits {
  private Waits() {}

  /**
   * Waits for {@code f} until {@code deadlineNanos} ({@link System#nanoTime()} scale).
   *
   * @throws TimeoutException if the deadline passes first
   * @throws ExecutionException if {@code f} failed
   */
  static <T> T await(CompletableFuture<T> f, long deadlineNanos)
      throws TimeoutException, ExecutionException {
    boolean interrupted = false;
    try {
      while (true) {
        long left = deadlineNanos - System.nanoTime();
        if (f.isDone() || left > 0) {
          try {
            return f.get(Math.max(0, left), TimeUnit.NANOSECONDS);
          } catch (InterruptedException e) {
            interrupted = true;
          }
        } else {
          throw new TimeoutException();
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Sleeps about {@code millis}, keeping an interrupt for the caller. */
  static void pause(long millis) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    boolean interrupted = false;
    long left;
    while ((left = deadline - System.nanoTime()) > 0) {
      try {
        TimeUnit.NANOSECONDS.sleep(left);
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
