package dev.strata.bench.raft;

import dev.strata.api.StorageEngine;
import dev.strata.api.WriteTxn;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * The timed phases: write transactions of a fixed number of puts from several client threads, and
 * point reads. Keys are 16 bytes drawn from a fixed key space, values {@link #VALUE_BYTES} random
 * bytes; each thread has its own seeded generator. Stateless; thread-safe.
 */
final class Workloads {
  static final int KEY_SPACE = 1_000_000;
  static final int VALUE_BYTES = 100;

  private Workloads() {}

  /**
   * One phase's figures: operations per second, latency percentiles in milliseconds, and {@code
   * cpuMillisPerOp}, the whole process's CPU time (every replica, the clients and the JVM) over the
   * phase divided by its operations.
   */
  record Figures(
      double opsPerSecond,
      double p50Millis,
      double p99Millis,
      long operations,
      double cpuMillisPerOp) {}

  static byte[] key(long index) {
    return ByteBuffer.allocate(16).putLong(0x7261667400000000L).putLong(index).array();
  }

  /**
   * Runs write transactions of {@code putsPerTxn} puts on {@code engine} from {@code threads}
   * threads for {@code seconds}; latency is from {@code beginWrite()} to the return of {@code
   * commit()}.
   */
  static Figures commits(
      StorageEngine engine, int putsPerTxn, int threads, double seconds, long seed) {
    return run(
        threads,
        seconds,
        seed,
        (random, value) -> {
          try (WriteTxn txn = engine.beginWrite()) {
            for (int i = 0; i < putsPerTxn; i++) {
              value[i % value.length] = (byte) random.nextInt();
              txn.put(key(random.nextInt(KEY_SPACE)), value);
            }
            txn.commit();
          }
        });
  }

  /** Runs one-shot {@code get}s of random keys among the first {@code keys} on {@code engine}. */
  static Figures reads(StorageEngine engine, int threads, double seconds, long seed, int keys) {
    return run(threads, seconds, seed, (random, value) -> engine.get(key(random.nextInt(keys))));
  }

  /** Fills the key space's first {@code keys} keys in transactions of 1,000 puts. */
  static void preload(StorageEngine engine, int keys, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    byte[] value = new byte[VALUE_BYTES];
    for (int from = 0; from < keys; from += 1000) {
      try (WriteTxn txn = engine.beginWrite()) {
        for (int i = from; i < Math.min(keys, from + 1000); i++) {
          random.nextBytes(value);
          txn.put(key(i), value);
        }
        txn.commit();
      }
    }
  }

  private interface Operation {
    void run(SplittableRandom random, byte[] value) throws Exception;
  }

  private static Figures run(int threads, double seconds, long seed, Operation op) {
    Histogram latency = new ConcurrentHistogram(TimeUnit.MINUTES.toNanos(10), 3);
    AtomicLong operations = new AtomicLong();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    long cpuStart = processCpuNanos();
    long start = System.nanoTime();
    long end = start + (long) (seconds * 1e9);
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      SplittableRandom random = new SplittableRandom(seed * 31 + t);
      Thread w =
          new Thread(
              () -> {
                byte[] value = new byte[VALUE_BYTES];
                random.nextBytes(value);
                try {
                  long now = System.nanoTime();
                  while (now < end && failure.get() == null) {
                    op.run(random, value);
                    long done = System.nanoTime();
                    latency.recordValue(Math.max(1, done - now));
                    operations.incrementAndGet();
                    now = done;
                  }
                } catch (Throwable e) {
                  failure.compareAndSet(null, e);
                }
              },
              "bench-client-" + t);
      w.start();
      workers.add(w);
    }
    for (Thread w : workers) {
      try {
        w.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
    }
    if (failure.get() != null) {
      throw new IllegalStateException("a client failed: " + failure.get(), failure.get());
    }
    double elapsed = (System.nanoTime() - start) / 1e9;
    long cpu = processCpuNanos() - cpuStart;
    return new Figures(
        operations.get() / elapsed,
        latency.getValueAtPercentile(50) / 1e6,
        latency.getValueAtPercentile(99) / 1e6,
        operations.get(),
        operations.get() == 0 ? Double.NaN : cpu / 1e6 / operations.get());
  }

  /** CPU time of the whole process so far, in nanoseconds. */
  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }
}
