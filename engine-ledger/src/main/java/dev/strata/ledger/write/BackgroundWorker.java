package dev.strata.ledger.write;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Runs one task at a time on a helper thread while the caller does other work, and {@link #await()}
 * waits for it. The writer uses it to hash a block's Merkle leaves and nodes while it hashes the
 * chain and writes the block: on two cores that takes the Merkle work (five of the eight SHA-256
 * blocks a 116-byte entry costs) off the commit's path.
 *
 * <p>The caller never waits for a helper that has not started: if the task is still unclaimed when
 * the caller joins (the helper was parked or descheduled, or there is none), the caller takes it
 * back and runs it itself. After a task the helper spins for {@link #SPIN_NANOS} waiting for the
 * next one and then parks. The spin is the price of the overlap: a parked helper wakes too late to
 * help (measured: parking at once made 100-entry commits slower than hashing in line), so while a
 * writer streams large commits the helper keeps one core busy, and an idle engine costs no CPU.
 *
 * <p>One posting thread at a time (the writer, under the engine's writer gate), which also closes
 * it; the gate and the engine's close lock order every access to the {@code helper} field, which
 * the posting thread alone writes. The helper is a daemon thread; {@link #close()} stops it.
 */
final class BackgroundWorker implements AutoCloseable {
  private static final int IDLE = 0;
  private static final int POSTED = 1;
  private static final int RUNNING = 2;
  private static final int DONE = 3;

  /** How long the helper waits for the next task before it parks. */
  static final long SPIN_NANOS = 200_000;

  private final AtomicInteger state = new AtomicInteger(IDLE);
  private final String name;
  private Thread helper;
  private volatile Runnable task;
  private volatile Throwable failure;
  private volatile Thread joining;
  private volatile boolean helperParked;
  private volatile boolean closed;

  private final boolean useHelper;

  /**
   * An overlap whose helper thread starts with the first task (a read-only engine never posts one);
   * without a helper every task runs in {@link #await()}.
   */
  BackgroundWorker(String name, boolean useHelper) {
    this.name = name;
    this.useHelper = useHelper;
  }

  /** Hands a task to the helper; the caller must {@link #await()} before posting another. */
  void post(Runnable work) {
    if (state.get() != IDLE) {
      throw new IllegalStateException("the previous task was not joined");
    }
    if (helper == null && useHelper) {
      helper = new Thread(this::loop, name);
      helper.setDaemon(true);
      helper.start();
    }
    task = work;
    state.set(POSTED);
    if (helperParked && helper != null) {
      LockSupport.unpark(helper);
    }
  }

  /**
   * Returns once the posted task has run, on the helper or, if it had not started yet, here; at
   * once if nothing was posted.
   *
   * @return what the task threw, or null
   */
  Throwable await() {
    if (state.get() == IDLE) {
      return null;
    }
    if (state.compareAndSet(POSTED, RUNNING)) {
      Runnable work = task;
      task = null;
      state.set(IDLE);
      try {
        work.run();
      } catch (RuntimeException | Error e) {
        return e;
      }
      return null;
    }
    joining = Thread.currentThread();
    boolean interrupted = false;
    long deadline = System.nanoTime() + SPIN_NANOS;
    int spins = 0;
    while (state.get() != DONE) {
      // The clock is read every 64 spins: reading it costs more than a spin.
      if ((++spins & 63) != 0 || System.nanoTime() < deadline) {
        Thread.onSpinWait();
      } else {
        LockSupport.park(this);
        // An interrupt would make every later park return at once; it is restored below.
        interrupted |= Thread.interrupted();
      }
    }
    joining = null;
    Throwable thrown = failure;
    failure = null;
    state.set(IDLE);
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    return thrown;
  }

  private void loop() {
    long idleSince = System.nanoTime();
    while (!closed) {
      if (state.get() == POSTED && state.compareAndSet(POSTED, RUNNING)) {
        Runnable work = task;
        task = null;
        try {
          work.run();
        } catch (Throwable t) {
          failure = t;
        }
        state.set(DONE);
        Thread waiter = joining;
        if (waiter != null) {
          LockSupport.unpark(waiter);
        }
        idleSince = System.nanoTime();
      } else if (System.nanoTime() - idleSince < SPIN_NANOS) {
        Thread.onSpinWait();
      } else {
        helperParked = true;
        // Re-checked after announcing the park: a post that missed the flag is seen here.
        if (state.get() != POSTED && !closed) {
          LockSupport.park(this);
        }
        // Nothing interrupts the helper on purpose; a stray interrupt must not turn parks into
        // spins.
        Thread.interrupted();
        helperParked = false;
        idleSince = System.nanoTime();
      }
    }
  }

  /** Stops the helper once it finishes a running task; a posted task must be joined first. */
  @Override
  public void close() {
    closed = true;
    if (helper != null) {
      LockSupport.unpark(helper);
    }
  }
}
