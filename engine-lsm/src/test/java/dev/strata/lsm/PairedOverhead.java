package dev.strata.lsm;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.openjdk.jmh.infra.Blackhole;

/**
 * A noise-robust companion to {@link AdapterOverheadBenchmark} for shared, loaded machines: runs
 * the adapter and the raw call in alternating short blocks (order randomized per round) on the same
 * stores, takes the ratio of the calling thread's CPU time per op of each adjacent pair, and
 * reports the median ratio and its interquartile range. Background flushes and compactions run on
 * RocksDB's threads and are not in the figure; they are the same RocksDB code on both sides.
 * Background load that drifts over seconds cancels out of each ratio; JMH's sequential runs of
 * minutes apart cannot cancel it.
 *
 * <pre>
 * CP=$(cat engine-lsm/target/test-classpath.txt)
 * CP=$CP:engine-lsm/target/test-classes:engine-lsm/target/classes
 * java -Xmx1g -cp "$CP" dev.strata.lsm.PairedOverhead 40 250
 * </pre>
 *
 * Arguments: rounds (the first quarter is warm-up and discarded), block length in milliseconds.
 */
public final class PairedOverhead {
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private PairedOverhead() {}

  private interface Op {
    void run() throws Exception;
  }

  /**
   * Runs every pair.
   *
   * @param args rounds and block milliseconds
   * @throws Exception if a benchmark operation fails
   */
  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 40;
    long blockNanos = (args.length > 1 ? Long.parseLong(args[1]) : 250) * 1_000_000;
    AdapterOverheadBenchmark b = new AdapterOverheadBenchmark();
    b.keys = 200_000;
    b.setUp();
    Blackhole bh =
        new Blackhole(
            "Today's password is swordfish. "
                + "I understand instantiating Blackholes directly is dangerous.");
    try {
      pair("get: lsm one-shot / raw", b::get_lsm, b::get_raw, rounds, blockNanos, bh);
      pair("get: lsm read txn / raw", b::get_lsmReadTxn, b::get_raw, rounds, blockNanos, bh);
      pair(
          "scan 1000: lsm / raw",
          () -> b.scan_lsm(bh),
          () -> b.scan_raw(bh),
          rounds,
          blockNanos,
          bh);
      pair(
          "putBatch 1000: lsm / raw WriteBatch",
          b::putBatch_lsm,
          b::putBatch_rawWriteBatch,
          rounds,
          blockNanos,
          bh);
      pair(
          "putBatch 1000: lsm / raw WriteBatchWithIndex",
          b::putBatch_lsm,
          b::putBatch_rawIndexedBatch,
          rounds,
          blockNanos,
          bh);
      pair(
          "putBatch 1000: raw WriteBatchWithIndex / raw WriteBatch",
          b::putBatch_rawIndexedBatch,
          b::putBatch_rawWriteBatch,
          rounds,
          blockNanos,
          bh);
    } finally {
      b.tearDown();
    }
  }

  private static void pair(
      String name, Op adapter, Op baseline, int rounds, long blockNanos, Blackhole bh)
      throws Exception {
    SplittableRandom order = new SplittableRandom(rounds);
    List<Double> ratios = new ArrayList<>();
    double adapterSum = 0;
    double baselineSum = 0;
    for (int r = 0; r < rounds; r++) {
      double a;
      double z;
      if (order.nextBoolean()) {
        a = nanosPerOp(adapter, blockNanos);
        z = nanosPerOp(baseline, blockNanos);
      } else {
        z = nanosPerOp(baseline, blockNanos);
        a = nanosPerOp(adapter, blockNanos);
      }
      if (r >= rounds / 4) {
        ratios.add(a / z);
        adapterSum += a;
        baselineSum += z;
      }
    }
    double[] sorted = ratios.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    int n = sorted.length;
    System.out.printf(
        "%-58s median ratio %.3f  IQR [%.3f, %.3f]  mean CPU us/op %.2f vs %.2f  (n=%d)%n",
        name,
        sorted[n / 2],
        sorted[n / 4],
        sorted[(3 * n) / 4],
        adapterSum / n / 1000,
        baselineSum / n / 1000,
        n);
    bh.consume(Arrays.hashCode(sorted));
  }

  /**
   * Runs {@code op} for one block and returns this thread's CPU nanoseconds per operation. CPU time
   * rather than wall time: on a machine shared with other builds, wall time mostly measures how
   * long the thread waited for a core.
   */
  private static double nanosPerOp(Op op, long blockNanos) throws Exception {
    long start = System.nanoTime();
    long cpuStart = THREADS.getCurrentThreadCpuTime();
    long ops = 0;
    do {
      op.run();
      ops++;
    } while (System.nanoTime() - start < blockNanos);
    return (double) (THREADS.getCurrentThreadCpuTime() - cpuStart) / ops;
  }
}
