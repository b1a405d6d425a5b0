package dev.strata.bench.runner;

import dev.strata.api.StorageEngine;
import dev.strata.api.WriteTxn;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * Runs one measured phase: {@code threads} workers repeat an operation until {@code maxOps}
 * operations are done or {@code maxSeconds} pass, timing each operation into an HdrHistogram. When
 * the operation rate is capped, latency is measured from each operation's intended start, so a
 * stall counts against every operation it delayed (no coordinated omission).
 */
final class PhaseRunner {
  /** Highest latency the histograms track: one hour, in nanoseconds. */
  private static final long HIGHEST_NANOS = 3_600_000_000_000L;

  private PhaseRunner() {}

  /** One operation of a phase, run by one worker thread with its own random source. */
  @FunctionalInterface
  interface Operation {
    /**
     * Runs the operation number {@code index} of the phase.
     *
     * @return the number of entries it touched (for entries/s)
     */
    long run(long index, SplittableRandom random) throws Exception;
  }

  /** What a phase measured. */
  record Stats(long ops, long entries, double seconds, Histogram latencyNanos) {
    double opsPerSecond() {
      return seconds > 0 ? ops / seconds : 0;
    }

    double entriesPerSecond() {
      return seconds > 0 ? entries / seconds : 0;
    }

    double micros(double percentile) {
      return latencyNanos.getTotalCount() == 0
          ? 0
          : latencyNanos.getValueAtPercentile(percentile) / 1000.0;
    }
  }

  /** What a batched load does with one id inside its commit. */
  @FunctionalInterface
  interface IdWriter {
    /**
     * Writes (or deletes) the entry of one id.
     *
     * @param txn the commit in progress
     * @param id the id, {@code from <= id < to}
     * @param random the phase's random source
     */
    void write(WriteTxn txn, long id, SplittableRandom random);
  }

  /**
   * Runs a single-threaded phase that goes through ids {@code [from, to)} in order, {@code batch}
   * ids per commit, calling {@code writer} for each: the loads and bulk deletes of the commands.
   * One operation per commit; entries are ids.
   *
   * @param name names the phase in the progress bar and in errors
   * @param db the engine written to
   * @param from the first id
   * @param to the id after the last
   * @param batch ids per commit
   * @param seed seeds the random source
   * @param writer what to do with each id
   * @return the phase's measurements
   * @throws BenchException if a commit threw
   */
  static Stats inBatches(
      String name, StorageEngine db, long from, long to, int batch, long seed, IdWriter writer) {
    long commits = (to - from + batch - 1) / batch;
    return run(
        name,
        1,
        commits,
        Double.MAX_VALUE,
        0,
        seed,
        (i, random) -> {
          long first = from + i * batch;
          long last = Math.min(to, first + batch);
          try (WriteTxn txn = db.beginWrite()) {
            for (long id = first; id < last; id++) {
              writer.write(txn, id, random);
            }
            txn.commit();
          }
          return last - first;
        });
  }

  /**
   * Runs a phase.
   *
   * @param name names the phase in the progress bar and in errors
   * @param threads worker threads
   * @param maxOps stop after this many operations in total
   * @param maxSeconds stop after this long, even if fewer operations ran
   * @param opsPerSecond total rate cap, or 0 for as fast as possible
   * @param seed seeds each worker's random source ({@code seed + worker})
   * @param op the operation
   * @return the phase's measurements
   * @throws BenchException if any operation threw; the first failure is the cause
   */
  static Stats run(
      String name,
      int threads,
      long maxOps,
      double maxSeconds,
      double opsPerSecond,
      long seed,
      Operation op) {
    AtomicLong next = new AtomicLong();
    long start = System.nanoTime();
    // Saturates: "no time cap" arrives as a huge number of seconds.
    long budgetNanos = maxSeconds >= 9e9 ? Long.MAX_VALUE : (long) (maxSeconds * 1e9);
    double intervalNanos = opsPerSecond > 0 ? 1e9 / opsPerSecond : 0;
    List<Histogram> histograms = new ArrayList<>();
    long[] entries = new long[threads];
    Throwable[] failure = new Throwable[1];
    List<Thread> workers = new ArrayList<>();
    // A phase bounded by time shows elapsed time; one bounded by count shows operations done.
    boolean timeBound = maxOps == Long.MAX_VALUE && budgetNanos != Long.MAX_VALUE;
    try (Progress progress =
        timeBound ? Progress.timed(name, budgetNanos / 1_000_000) : Progress.start(name, maxOps)) {
      for (int t = 0; t < threads; t++) {
        Histogram h = new Histogram(HIGHEST_NANOS, 3);
        histograms.add(h);
        int worker = t;
        Thread thread =
            new Thread(
                () -> {
                  SplittableRandom random = new SplittableRandom(seed + worker);
                  long touched = 0;
                  try {
                    while (true) {
                      long index = next.getAndIncrement();
                      if (index >= maxOps || failure[0] != null) {
                        break;
                      }
                      long intended = System.nanoTime();
                      if (intervalNanos > 0) {
                        intended = start + (long) (index * intervalNanos);
                        long wait;
                        while ((wait = intended - System.nanoTime()) > 0) {
                          java.util.concurrent.locks.LockSupport.parkNanos(wait);
                        }
                      }
                      if (System.nanoTime() - start > budgetNanos) {
                        break;
                      }
                      touched += op.run(index, random);
                      h.recordValue(Math.min(HIGHEST_NANOS, System.nanoTime() - intended));
                      progress.step(1);
                    }
                  } catch (Throwable e) {
                    synchronized (failure) {
                      if (failure[0] == null) {
                        failure[0] = e;
                      }
                    }
                  }
                  entries[worker] = touched;
                },
                name + "-" + t);
        workers.add(thread);
        thread.start();
      }
      for (Thread thread : workers) {
        try {
          thread.join();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new BenchException("interrupted while running phase " + name, e);
        }
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    if (failure[0] != null) {
      throw new BenchException("phase " + name + " failed: " + failure[0], failure[0]);
    }
    Histogram all = new Histogram(HIGHEST_NANOS, 3);
    for (Histogram h : histograms) {
      all.add(h);
    }
    long total = 0;
    for (long e : entries) {
      total += e;
    }
    return new Stats(all.getTotalCount(), total, seconds, all);
  }
}
