package dev.strata.bench.lsm;

import dev.strata.api.Durability;
import dev.strata.api.EngineOptions;
import dev.strata.api.StorageEngine;
import dev.strata.api.StorageEngines;
import dev.strata.api.WriteAmplificationMeter;
import dev.strata.api.WriteTxn;
import dev.strata.api.spi.SettingsReader;
import dev.strata.bench.Keys;
import dev.strata.bench.runner.BenchException;
import dev.strata.bench.runner.KeysOption;
import dev.strata.bench.runner.RunOptions;
import dev.strata.bench.runner.SystemProbe;
import dev.strata.bench.runner.WorkloadOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code strata-bench lsm write-amp}: the random-overwrite write-amplification workload. Commits
 * batches of 1,000 puts of random keys drawn from {@code --keys} until the meter's logical bytes
 * reach {@code --logical-bytes}, then reports the meter, RocksDB's own cumulative W-Amp from {@code
 * rocksdb.cfstats} (through {@code stats()}), and the kernel's counts of this process's writes as a
 * cross-check; then waits for the compaction debt to be paid and reports again. Values are random,
 * so LZ4 cannot shrink them and physical bytes are not flattered by compression.
 */
@Command(
    name = "write-amp",
    mixinStandardHelpOptions = true,
    description = {
      "Random overwrites in 1,000-put commits until --logical-bytes, then the meter's write"
          + " amplification beside RocksDB's cfstats W-Amp and the kernel's write counts, at the"
          + " end of the writes and again once compaction has caught up (at most"
          + " --drain-seconds). Writes results/lsm-write-amp-<time>.{csv,json}."
    })
final class WriteAmpCommand implements Callable<Integer> {
  private static final int BATCH = 1000;
  private static final long REPORT_EVERY = 256L << 20;

  @Mixin KeysOption keyCount = new KeysOption(4_000_000);

  @Mixin WorkloadOptions workload = new WorkloadOptions(100, Durability.NO_SYNC);

  @Mixin RunOptions run = new RunOptions();

  @Option(
      names = "--logical-bytes",
      converter = ByteSize.class,
      description =
          "Logical bytes (keys + values) to write, binary suffixes allowed (default: 2GiB).")
  long logicalBytes = 2L << 30;

  @Option(
      names = "--drain-seconds",
      description =
          "Longest wait for pending compaction after the writes (default: ${DEFAULT-VALUE}).")
  long drainSeconds = 600;

  /** Parses {@code 2GiB}, {@code 512m}, {@code 1000000} with the engines' size rules. */
  static final class ByteSize implements ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
      return SettingsReader.ofFullKeys(Map.of("bench.bytes", value))
          .longValue("bench.bytes", 0, 1, Long.MAX_VALUE);
    }
  }

  @Override
  public Integer call() throws Exception {
    if (keyCount.keys() < 1 || workload.valueSize() < 0 || drainSeconds < 0) {
      throw new BenchException("need --keys >= 1, --value-size >= 0 and --drain-seconds >= 0");
    }
    long seed = run.start();
    System.out.printf(
        Locale.ROOT,
        "workload: logical=%d keySpace=%d value=%d seed=%d durability=%s%n",
        logicalBytes,
        keyCount.keys(),
        workload.valueSize(),
        seed,
        workload.durability());
    Path dir = run.workDir().resolve("lsm-write-amp");
    SystemProbe.deleteTree(dir);
    EngineOptions options = run.options(workload.durability());
    SplittableRandom random = new SplittableRandom(seed);
    List<Map<String, Object>> rows = new ArrayList<>();
    SystemProbe.Io ioBefore = SystemProbe.io();
    long started = System.nanoTime();
    try (StorageEngine engine = StorageEngines.open("lsm", dir, options)) {
      WriteAmplificationMeter meter = engine.meter();
      long nextReport = REPORT_EVERY;
      while (meter.logicalBytes() < logicalBytes) {
        try (WriteTxn w = engine.beginWrite()) {
          for (int i = 0; i < BATCH; i++) {
            w.put(
                Keys.key(random.nextLong(keyCount.keys())),
                Keys.value(random, workload.valueSize()));
          }
          w.commit();
        }
        if (meter.logicalBytes() >= nextReport) {
          System.out.printf(
              Locale.ROOT,
              "  %5d MiB logical, meter WA %.2f, %.0f s%n",
              meter.logicalBytes() >> 20,
              meter.amplification(),
              secondsSince(started));
          nextReport += REPORT_EVERY;
        }
      }
      double writeSeconds = secondsSince(started);
      rows.add(report("end of writes", engine, writeSeconds, ioBefore));
      while (pendingCompactionBytes(engine) > 0
          && secondsSince(started) < writeSeconds + drainSeconds) {
        Thread.sleep(1000);
      }
      rows.add(report("compaction debt paid", engine, secondsSince(started), ioBefore));
    } finally {
      SystemProbe.deleteTree(dir);
    }
    run.writeResults("lsm-write-amp", rows);
    return 0;
  }

  private static double secondsSince(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e9;
  }

  private static long pendingCompactionBytes(StorageEngine engine) {
    return stat(engine.stats(), "pendingCompactionBytes").longValue();
  }

  private static Number stat(Map<String, Number> stats, String key) {
    Number n = stats.get(key);
    if (n == null) {
      throw new BenchException("the lsm engine's stats() has no '" + key + "': " + stats.keySet());
    }
    return n;
  }

  private static Map<String, Object> report(
      String phase, StorageEngine engine, double seconds, SystemProbe.Io ioBefore) {
    WriteAmplificationMeter.Snapshot s = engine.meter().snapshot();
    Map<String, Number> stats = engine.stats();
    SystemProbe.Io io = SystemProbe.io().minus(ioBefore);
    double flush = stat(stats, "flushBytes").doubleValue();
    double compaction = stat(stats, "compactionBytes").doubleValue();
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("phase", phase);
    row.put("seconds", seconds);
    row.put("logicalBytes", s.logicalBytes());
    row.put("physicalBytes", s.physicalBytes());
    row.put("syncs", s.syncs());
    row.put("meterAmplification", s.amplification());
    for (String key :
        List.of(
            "walBytes",
            "flushBytes",
            "compactionBytes",
            "liveSstBytes",
            "pendingCompactionBytes",
            "rocksdbWriteAmp")) {
      row.put(key, stat(stats, key));
    }
    row.put("flushPlusCompactionOverFlush", (flush + compaction) / flush);
    row.put("meterAmplificationWithoutWal", (flush + compaction) / s.logicalBytes());
    for (int level = 0; stats.containsKey("filesAtLevel" + level); level++) {
      row.put("filesAtLevel" + level, stats.get("filesAtLevel" + level));
    }
    // Includes MANIFEST, OPTIONS and LOG, which no RocksDB ticker counts.
    row.put("kernelWcharBytes", io.syscallBytes());
    row.put("kernelWriteBytes", io.storageBytes());
    System.out.printf(Locale.ROOT, "%s after %.0f s:%n", phase, seconds);
    row.forEach((k, v) -> System.out.printf(Locale.ROOT, "  %-30s %s%n", k, v));
    return row;
  }
}
