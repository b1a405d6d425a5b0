package dev.strata.api.spi;

/**
 * Keeps a caller's interrupt from closing an engine's files. A {@link
 * java.nio.channels.FileChannel} closes itself when a thread whose interrupt flag is set reads,
 * writes, syncs or even asks for its size ({@link java.nio.channels.InterruptibleChannel}), which
 * would break the store for every thread until it is reopened. An engine therefore wraps each
 * public call in {@link #enter()} and {@link #exit()}: the flag is cleared when the outermost call
 * on a thread begins and set again when it returns, so the caller still sees its interrupt.
 *
 * <p>An interrupt delivered by another thread while a call is doing I/O can still close a channel;
 * the engine then reports a {@code StorageIOException} and refuses further work until reopened.
 *
 * <p>Thread-safe: the state is per thread. Calls must pair up on the same thread.
 */
public final class InterruptShield {
  /** Per thread: {@code [0]} calls in progress, {@code [1]} 1 when the flag was set on entry. */
  private static final ThreadLocal<int[]> CALLS = ThreadLocal.withInitial(() -> new int[2]);

  private InterruptShield() {}

  /** Starts an engine call on this thread, clearing the interrupt flag if this is the outermost. */
  public static void enter() {
    int[] calls = CALLS.get();
    if (calls[0]++ == 0 && Thread.interrupted()) {
      calls[1] = 1;
    }
  }

  /**
   * Ends an engine call; the outermost restores the interrupt flag cleared by its {@link #enter}.
   */
  public static void exit() {
    int[] calls = CALLS.get();
    if (--calls[0] == 0 && calls[1] == 1) {
      calls[1] = 0;
      Thread.currentThread().interrupt();
    }
  }
}
