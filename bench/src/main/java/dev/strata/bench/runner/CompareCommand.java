package dev.strata.bench.runner;

import dev.strata.api.Cursor;
import dev.strata.api.Durability;
import dev.strata.api.EngineOptions;
import dev.strata.api.KeyRange;
import dev.strata.api.ReadTxn;
import dev.strata.api.StorageEngine;
import dev.strata.api.WriteTxn;
import dev.strata.bench.Keys;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code strata-bench compare}: loads the same keys into every engine, then runs reads, writes,
 * scans and a read/write mix, and reports one table per engine plus CSV, JSON and PNG files.
 */
@Command(
    name = "compare",
    mixinStandardHelpOptions = true,
    description = {
      "Loads N keys into every engine, then measures random reads, batched writes, 1,000-entry"
          + " scans and a 90/10 read/write mix. Prints a table per engine and writes"
          + " results/compare-<time>.{csv,json} and -throughput.png / -p99.png.",
      "Phases are capped by --seconds each: about 1.5 minutes for six engines by default. The load"
          + " always commits "
          + CompareCommand.LOAD_BATCH
          + " keys at a time; --quick caps --keys at 10000."
    })
final class CompareCommand implements Callable<Integer> {
  static final int SCAN_LENGTH = 1000;
  static final int LOAD_BATCH = 1000;

  @Mixin EngineListOption engines = new EngineListOption();

  @Mixin RunOptions run = new RunOptions();

  @Mixin KeysOption keyCount = new KeysOption(200_000);

  @Mixin WorkloadOptions workload = new WorkloadOptions(100, Durability.SYNC);

  @Option(
      names = "--batch",
      description = "Puts per commit in the write phase (default: ${DEFAULT-VALUE}).")
  int batch = 100;

  @Option(
      names = "--threads",
      description = "Threads for the read, scan and mix phases (default: ${DEFAULT-VALUE}).")
  int threads = 4;

  @Option(
      names = "--seconds",
      description = "Time cap of each measured phase (default: ${DEFAULT-VALUE}; --quick: 0.5).")
  double seconds = 2;

  @Option(
      names = "--quick",
      description = "CI smoke run: 10,000 keys, 0.5 s phases; well under a minute for six engines.")
  boolean quick;

  @Override
  public Integer call() {
    if (quick) {
      keyCount.keys = Math.min(keyCount.keys, 10_000);
      seconds = Math.min(seconds, 0.5);
    }
    long keys = keyCount.keys();
    if (keys < SCAN_LENGTH + 1
        || workload.valueSize() < 0
        || batch < 1
        || threads < 1
        || seconds <= 0) {
      throw new BenchException(
          "need --keys > "
              + SCAN_LENGTH
              + ", --value-size >= 0, --batch >= 1, --threads >= 1 and --seconds > 0");
    }
    List<String> names = engines.resolve();
    long runSeed = run.start();
    Durability durability = workload.durability();
    EngineOptions options = run.options(durability);
    System.out.println(
        "strata-bench compare: "
            + names
            + ", "
            + keys
            + " keys x "
            + workload.valueSize()
            + " B values, "
            + durability
            + ", write batch "
            + batch
            + ", "
            + threads
            + " threads, "
            + seconds
            + " s per phase");

    List<PhaseResult> rows = new ArrayList<>();
    for (String name : names) {
      rows.addAll(runEngine(name, options, runSeed));
    }
    ResultFiles.printTables(System.out, rows);
    Path base = run.writeResults("compare", rows.stream().map(PhaseResult::columns).toList());
    Charts.phaseBars(
        Path.of(base + "-throughput.png"),
        "Throughput per phase (" + keys + " keys, " + durability + ")",
        "operations/s (load: keys/s)",
        rows,
        r -> r.phase().equals("load") ? r.entriesPerSecond() : r.opsPerSecond());
    Charts.phaseBars(
        Path.of(base + "-p99.png"),
        "p99 latency per phase (" + keys + " keys, " + durability + ")",
        "p99 latency (us)",
        rows,
        PhaseResult::p99Micros);
    System.out.println("wrote " + base + "-throughput.png, -p99.png");
    printAgreement(rows);
    return 0;
  }

  private List<PhaseResult> runEngine(String name, EngineOptions options, long runSeed) {
    long keys = keyCount.keys();
    int valueSize = workload.valueSize();
    List<PhaseResult> rows = new ArrayList<>();
    MeasuredEngine m = MeasuredEngine.openFresh(name, run.workDir.resolve(name), options);
    try {
      StorageEngine db = m.engine();
      rows.add(
          m.measure(
              "load",
              1,
              LOAD_BATCH,
              () ->
                  PhaseRunner.inBatches(
                      name + " load",
                      db,
                      0,
                      keys,
                      LOAD_BATCH,
                      runSeed,
                      (txn, k, random) ->
                          txn.put(
                              Keys.key(Keys.loadOrder(k, keys)), Keys.value(random, valueSize)))));
      rows.add(
          m.measure(
              "read",
              threads,
              1,
              () ->
                  PhaseRunner.run(
                      name + " read",
                      threads,
                      Long.MAX_VALUE,
                      seconds,
                      0,
                      runSeed + 100,
                      (i, random) -> {
                        long id = random.nextLong(keys);
                        if (db.get(Keys.key(id)) == null) {
                          throw new BenchException(
                              name + " lost key " + id + " (seed " + runSeed + ")");
                        }
                        return 1;
                      })));
      rows.add(
          m.measure(
              "write",
              1,
              batch,
              () ->
                  PhaseRunner.run(
                      name + " write",
                      1,
                      Long.MAX_VALUE,
                      seconds,
                      0,
                      runSeed + 200,
                      (i, random) -> {
                        try (WriteTxn txn = db.beginWrite()) {
                          for (int b = 0; b < batch; b++) {
                            txn.put(Keys.key(random.nextLong(keys)), Keys.value(random, valueSize));
                          }
                          txn.commit();
                        }
                        return batch;
                      })));
      rows.add(
          m.measure(
              "scan",
              threads,
              1,
              () ->
                  PhaseRunner.run(
                      name + " scan",
                      threads,
                      Long.MAX_VALUE,
                      seconds,
                      0,
                      runSeed + 300,
                      (i, random) -> scan(db, random.nextLong(keys - SCAN_LENGTH)))));
      rows.add(
          m.measure(
              "mix90/10",
              threads,
              1,
              () ->
                  PhaseRunner.run(
                      name + " mix",
                      threads,
                      Long.MAX_VALUE,
                      seconds,
                      0,
                      runSeed + 400,
                      (i, random) -> {
                        long id = random.nextLong(keys);
                        if (random.nextInt(10) == 0) {
                          db.put(Keys.key(id), Keys.value(random, valueSize));
                        } else if (db.get(Keys.key(id)) == null) {
                          throw new BenchException(
                              name + " lost key " + id + " (seed " + runSeed + ")");
                        }
                        return 1;
                      })));
      rows.add(m.closeWithTotals());
    } finally {
      m.close();
      try {
        SystemProbe.deleteTree(m.directory());
      } catch (java.io.IOException e) {
        System.err.println("warning: cannot delete " + m.directory() + ": " + e.getMessage());
      }
    }
    return rows;
  }

  /** Reads {@link #SCAN_LENGTH} entries from {@code startId} on; returns how many it read. */
  static long scan(StorageEngine db, long startId) {
    long n = 0;
    try (ReadTxn txn = db.beginRead();
        Cursor cursor = txn.cursor(KeyRange.atLeast(Keys.key(startId)))) {
      while (n < SCAN_LENGTH && cursor.next()) {
        cursor.key();
        cursor.value();
        n++;
      }
    }
    if (n != SCAN_LENGTH) {
      throw new BenchException(
          db.name()
              + " scan from id "
              + startId
              + " returned "
              + n
              + " entries, expected "
              + SCAN_LENGTH);
    }
    return n;
  }

  /** Prints, per engine, how the meter's physical bytes compare with the OS count. */
  static void printAgreement(List<PhaseResult> rows) {
    System.out.println(
        "meter vs OS, physical bytes from open through close (target +/-10% of the"
            + " write-syscall count wchar; write_bytes shown for reference):");
    for (PhaseResult r : rows) {
      if (!r.phase().equals("total")) {
        continue;
      }
      String verdict;
      if (r.meterPhysicalBytes() < 0) {
        verdict = "meter does not count physical bytes (OS figure used for WA)";
      } else if (r.osSyscallBytes() < 0) {
        verdict = "OS count unavailable (/proc/self/io)";
      } else if (r.meterPhysicalBytes() == 0 && r.osSyscallBytes() < 64 * 1024) {
        verdict = "nothing written (in-memory engine)";
      } else {
        double ratio = r.meterOverSyscalls();
        verdict =
            String.format(
                java.util.Locale.ROOT,
                "meter %.1f MiB, wchar %.1f MiB, ratio %.3f %s; write_bytes %.1f MiB (ratio %.3f)",
                r.meterPhysicalBytes() / 1048576.0,
                r.osSyscallBytes() / 1048576.0,
                ratio,
                Math.abs(ratio - 1) <= 0.10 ? "OK" : "OUTSIDE +/-10%",
                r.osStorageBytes() / 1048576.0,
                r.meterOverStorage());
      }
      System.out.printf(java.util.Locale.ROOT, "  %-8s %s%n", r.engine(), verdict);
    }
  }
}
