package dev.strata.etcd;

import java.util.concurrent.locks.LockSupport;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * One write request queued in {@link MvccStore} and, once its batch is done, its outcome. Either a
 * thread waits for it ({@link #caller}) or it is asynchronous and its {@link #completion} receives
 * the outcome. {@link #done} and {@link #leads} are guarded by the store's queue monitor; the
 * outcome is written by the leading thread before {@link #done} is set under that monitor.
 */
final class PendingWrite<R> {
  private static final System.Logger LOG = System.getLogger(PendingWrite.class.getName());

  final Function<? super MvccWrite, R> work;
  final long bytes;

  /** The thread waiting for the outcome; null for an asynchronous request. */
  final Thread caller;

  /** Receives an asynchronous request's outcome; null for a waiting caller. */
  final BiConsumer<? super R, RuntimeException> completion;

  /** Whether the batch holding this request is finished. */
  boolean done;

  /** Whether the caller is to run the next batches (handed over by the previous leader). */
  boolean leads;

  R result;
  RuntimeException failure;
  MvccWrite write;

  /**
   * A request of the current thread, which waits for it, when {@code completion} is null; an
   * asynchronous one otherwise.
   */
  PendingWrite(
      Function<? super MvccWrite, R> work,
      long bytes,
      BiConsumer<? super R, RuntimeException> completion) {
    this.work = work;
    this.bytes = bytes;
    this.completion = completion;
    this.caller = completion == null ? Thread.currentThread() : null;
  }

  /** Wakes the waiting caller, or hands an asynchronous request its outcome. */
  void answer() {
    if (caller != null) {
      LockSupport.unpark(caller);
      return;
    }
    try {
      completion.accept(result, failure);
    } catch (RuntimeException e) {
      // The request's own call could not be answered (its client went away, say): the other
      // requests of the batch still get their answers.
      LOG.log(System.Logger.Level.DEBUG, "answering a write failed", e);
    }
  }
}
