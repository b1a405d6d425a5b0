package dev.strata.bench.lsm;

import dev.strata.api.Durability;
import dev.strata.bench.runner.BenchException;
import dev.strata.bench.runner.KeysOption;
import dev.strata.bench.runner.RunOptions;
import dev.strata.bench.runner.WorkloadOptions;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code strata-bench lsm overhead}: a noise-robust companion to {@link LsmAdapterOverhead} for
 * shared, loaded machines. Runs the adapter and the raw call in alternating short blocks (order
 * randomized per round) on the same stores, takes the ratio of the calling thread's CPU time per
 * operation of each adjacent pair, and reports the median ratio and its interquartile range.
 * Background flushes and compactions run on RocksDB's threads and are not in the figure; they are
 * the same RocksDB code on both sides. Load that drifts over seconds cancels out of each ratio;
 * JMH's sequential runs, minutes apart, cannot cancel it.
 */
@Command(
    name = "overhead",
    mixinStandardHelpOptions = true,
    description = {
      "Loads the same keys into the lsm engine and into raw RocksDB on the same options, then"
          + " times get, read-txn get, 1,000-entry scan and 1,000-put batch on both sides in"
          + " alternating --block-millis blocks of CPU time; prints the median lsm/raw ratio per"
          + " operation with its interquartile range and writes results/lsm-overhead-<time>"
          + ".{csv,json}.",
      "The first quarter of --rounds is warm-up and discarded. --set is refused: the raw side"
          + " mirrors the engine's defaults."
    })
final class OverheadCommand implements Callable<Integer> {
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  @Mixin KeysOption keyCount = new KeysOption(200_000);

  @Mixin WorkloadOptions workload = new WorkloadOptions(100, Durability.NO_SYNC);

  @Mixin RunOptions run = new RunOptions();

  @Option(
      names = "--rounds",
      description = "Paired rounds per operation (default: ${DEFAULT-VALUE}).")
  int rounds = 40;

  @Option(
      names = "--block-millis",
      description = "Length of one timed block in milliseconds (default: ${DEFAULT-VALUE}).")
  long blockMillis = 250;

  private interface Op {
    void run() throws Exception;
  }

  /** One operation's pairing: the adapter's call and the raw call it is compared with. */
  private record Pair(String name, Op adapter, Op baseline) {}

  @Override
  public Integer call() throws Exception {
    if (rounds < 4 || blockMillis < 1 || keyCount.keys() > Integer.MAX_VALUE) {
      throw new BenchException("need --rounds >= 4, --block-millis >= 1 and --keys <= 2^31-1");
    }
    if (!run.settings().isEmpty()) {
      throw new BenchException(
          "lsm overhead compares against raw RocksDB on the engine's default options;"
              + " --set would make the two sides differ");
    }
    if (!THREADS.isCurrentThreadCpuTimeSupported()) {
      throw new BenchException("this JVM cannot measure a thread's CPU time");
    }
    long seed = run.start();
    List<Map<String, Object>> rows = new ArrayList<>();
    try (AdapterOverheadFixture f =
        AdapterOverheadFixture.load(
            run.workDir(),
            (int) keyCount.keys(),
            workload.valueSize(),
            workload.durability(),
            seed)) {
      List<Pair> pairs =
          List.of(
              new Pair("get: lsm one-shot / raw", f::getLsm, f::getRaw),
              new Pair("get: lsm read txn / raw", f::getLsmReadTxn, f::getRaw),
              new Pair("scan 1000: lsm / raw", f::scanLsm, f::scanRaw),
              new Pair(
                  "putBatch 1000: lsm / raw WriteBatch", f::putBatchLsm, f::putBatchRawWriteBatch),
              new Pair(
                  "putBatch 1000: lsm / raw WriteBatchWithIndex",
                  f::putBatchLsm,
                  f::putBatchRawIndexedBatch),
              new Pair(
                  "putBatch 1000: raw WriteBatchWithIndex / raw WriteBatch",
                  f::putBatchRawIndexedBatch,
                  f::putBatchRawWriteBatch));
      SplittableRandom order = new SplittableRandom(seed);
      for (Pair pair : pairs) {
        rows.add(measure(pair, order));
      }
    }
    run.writeResults("lsm-overhead", rows);
    return 0;
  }

  private Map<String, Object> measure(Pair pair, SplittableRandom order) throws Exception {
    long blockNanos = blockMillis * 1_000_000;
    List<Double> ratios = new ArrayList<>();
    double adapterSum = 0;
    double baselineSum = 0;
    for (int r = 0; r < rounds; r++) {
      double a;
      double z;
      if (order.nextBoolean()) {
        a = cpuNanosPerOp(pair.adapter(), blockNanos);
        z = cpuNanosPerOp(pair.baseline(), blockNanos);
      } else {
        z = cpuNanosPerOp(pair.baseline(), blockNanos);
        a = cpuNanosPerOp(pair.adapter(), blockNanos);
      }
      if (r >= rounds / 4) {
        ratios.add(a / z);
        adapterSum += a;
        baselineSum += z;
      }
    }
    double[] sorted = ratios.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    int n = sorted.length;
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("operation", pair.name());
    row.put("medianRatio", sorted[n / 2]);
    row.put("q1Ratio", sorted[n / 4]);
    row.put("q3Ratio", sorted[(3 * n) / 4]);
    row.put("adapterCpuMicrosPerOp", adapterSum / n / 1000);
    row.put("baselineCpuMicrosPerOp", baselineSum / n / 1000);
    row.put("pairs", n);
    System.out.printf(
        Locale.ROOT,
        "%-58s median ratio %.3f  IQR [%.3f, %.3f]  mean CPU us/op %.2f vs %.2f  (n=%d)%n",
        pair.name(),
        sorted[n / 2],
        sorted[n / 4],
        sorted[(3 * n) / 4],
        adapterSum / n / 1000,
        baselineSum / n / 1000,
        n);
    if (Arrays.stream(sorted).anyMatch(v -> !(v > 0))) {
      throw new BenchException(
          pair.name() + ": a block measured no CPU time; raise --block-millis");
    }
    return row;
  }

  /**
   * Runs {@code op} for one block and returns this thread's CPU nanoseconds per operation. CPU time
   * rather than wall time: on a machine shared with other work, wall time mostly measures how long
   * the thread waited for a core.
   */
  private static double cpuNanosPerOp(Op op, long blockNanos) throws Exception {
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
