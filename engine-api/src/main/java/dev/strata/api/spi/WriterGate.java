package dev.strata.api.spi;

import dev.strata.api.EngineClosedException;
import dev.strata.api.StorageException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The single-writer lock every engine needs: one write transaction at a time, waiters released with
 * {@link EngineClosedException} when the engine closes, and a clear error instead of a deadlock
 * when the thread holding the write transaction asks for another.
 *
 * <p>A semaphore rather than a {@link java.util.concurrent.locks.ReentrantLock}, because a write
 * transaction may be handed to another thread and released there. Thread-safe.
 */
public final class WriterGate {
  private static final long CLOSE_POLL_MILLIS = 20;

  private final Semaphore permit = new Semaphore(1, true);
  private final String owner;
  private volatile Thread holder;
  private volatile boolean closed;

  /**
   * Creates an open gate.
   *
   * @param owner names the engine and directory in error messages
   */
  public WriterGate(String owner) {
    this.owner = owner;
  }

  /**
   * Waits for the write permit.
   *
   * @throws EngineClosedException if the gate is closed, before or while waiting
   * @throws IllegalStateException if the calling thread began the open write transaction
   * @throws StorageException if interrupted while waiting (the interrupt flag stays set)
   */
  public void acquire() {
    if (holder == Thread.currentThread()) {
      throw new IllegalStateException(
          "this thread already holds the write transaction of "
              + owner
              + "; a second beginWrite() would wait for itself forever");
    }
    try {
      while (true) {
        if (closed) {
          throw new EngineClosedException(owner + " is closed");
        }
        if (permit.tryAcquire(CLOSE_POLL_MILLIS, TimeUnit.MILLISECONDS)) {
          if (closed) {
            permit.release();
            throw new EngineClosedException(owner + " is closed");
          }
          holder = Thread.currentThread();
          return;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StorageException(
          "interrupted while waiting for the write transaction of " + owner, e);
    }
  }

  /**
   * Takes the write permit if it is free and the gate open, without waiting: for background work
   * that must not hold up writers.
   *
   * @return whether the permit was taken; release it with {@link #release()}
   */
  public boolean tryAcquire() {
    if (closed || !permit.tryAcquire()) {
      return false;
    }
    if (closed) {
      permit.release();
      return false;
    }
    holder = Thread.currentThread();
    return true;
  }

  /** Returns the permit taken by {@link #acquire()}. Call exactly once per successful acquire. */
  public void release() {
    holder = null;
    permit.release();
  }

  /** Whether the permit is taken (a write transaction is open); stale as soon as it returns. */
  public boolean isHeld() {
    return permit.availablePermits() == 0;
  }

  /** Whether a thread waits for the permit; stale as soon as it returns. */
  public boolean hasWaiters() {
    return permit.hasQueuedThreads();
  }

  /** Makes waiting and future {@link #acquire()} calls fail with {@link EngineClosedException}. */
  public void close() {
    closed = true;
  }
}
