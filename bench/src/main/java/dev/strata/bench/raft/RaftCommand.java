package dev.strata.bench.raft;

import dev.strata.api.Durability;
import dev.strata.api.EngineOptions;
import dev.strata.api.StorageEngine;
import dev.strata.api.StorageEngines;
import dev.strata.bench.raft.Workloads.Figures;
import dev.strata.bench.runner.BenchException;
import dev.strata.bench.runner.JitWarmUp;
import dev.strata.bench.runner.SystemProbe;
import dev.strata.bench.runner.WorkDirsOption;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code strata-bench raft}: commit throughput and latency of the {@code raft} engine (three
 * replicas on loopback in this JVM) for 1-put and 100-put transactions from 1 and 16 clients,
 * linearizable and local reads, the local engine under {@code NO_SYNC} and {@code SYNC}, for each
 * local engine; the single-node engine under {@code SYNC} runs the same phases in the same round as
 * the baseline. Rounds interleave the setups; the summary gives the median over rounds and the
 * spread of each figure and of its ratio to the baseline. Then, with {@code --snapshot-gib}, the
 * time a lagging replica takes to install a snapshot of that size.
 *
 * <p>Writes {@code raft-rounds.csv} (every phase of every round), {@code raft-summary.csv} and
 * {@code raft-summary.txt} (the table) under {@code --out}.
 */
@Command(
    name = "raft",
    mixinStandardHelpOptions = true,
    description = {
      "The raft engine (3 replicas on loopback, one JVM) against the single-node SYNC engine:"
          + " commits/s and p50/p99 for 1- and 100-put transactions from 1 and 16 clients, reads,"
          + " local SYNC vs NO_SYNC, each local engine, snapshot install time."
    })
public final class RaftCommand implements Callable<Integer> {
  static final String SINGLE = "single SYNC";
  static final String RAFT_NO_SYNC = "raft, local NO_SYNC";
  static final String RAFT_SYNC = "raft, local SYNC";

  @Option(
      names = "--engines",
      split = ",",
      description = "Local engines (default: ${DEFAULT-VALUE}).")
  List<String> engines = new ArrayList<>(List.of("btree", "lsm", "ledger"));

  @Option(names = "--rounds", description = "Interleaved rounds (default: ${DEFAULT-VALUE}).")
  int rounds = 3;

  @Option(names = "--seconds", description = "Seconds per phase (default: ${DEFAULT-VALUE}).")
  double seconds = 2;

  @Option(
      names = "--warmup-passes",
      description =
          "Most untimed warm-up passes per engine (its single-node and raft setups, phases of at"
              + " most 1 s) before the rounds: passes repeat until one spends at most 2 % of its"
              + " time in the JIT compiler (default: ${DEFAULT-VALUE}; with three Ratis servers in"
              + " the JVM the compiler still spends 15 % of the eighth pass, so the cap ends it).")
  int warmupPasses = 3;

  @Option(names = "--clients", description = "The many-client count (default: ${DEFAULT-VALUE}).")
  int clients = 16;

  @Option(names = "--read-threads", description = "Reader threads (default: ${DEFAULT-VALUE}).")
  int readThreads = 4;

  @Option(
      names = "--preload",
      description =
          "Keys loaded before the phases; reads draw from them (default: ${DEFAULT-VALUE}).")
  int preload = 20_000;

  @Option(
      names = "--snapshot-gib",
      description =
          "Size of the installed snapshot in GiB; 0 skips it (default: ${DEFAULT-VALUE}).")
  double snapshotGib = 0.0625;

  @Option(
      names = "--snapshot-engine",
      description = "Local engine of the snapshot install (default: ${DEFAULT-VALUE}).")
  String snapshotEngine = "btree";

  @Mixin WorkDirsOption dirs = new WorkDirsOption("raft");

  @Option(
      names = "--set",
      description =
          "A raft.* setting for the groups of the commit and read phases, KEY=VALUE; repeatable"
              + " (e.g. --set raft.batchWaitMicros=0).")
  Map<String, String> groupSettings = new LinkedHashMap<>();

  @Option(names = "--seed", description = "Seed of the workloads (default: ${DEFAULT-VALUE}).")
  long seed = 42;

  /** Creates the command; picocli instantiates it. */
  public RaftCommand() {}

  /** One phase of one round. */
  record Row(
      int round,
      String engine,
      String setup,
      String workload,
      double opsPerSecond,
      double p50Millis,
      double p99Millis,
      double cpuMillisPerOp,
      EntryFigures entries,
      String loadAverage) {}

  /**
   * Where a raft phase's commit time went, from the leader's counters: transactions per log entry,
   * and per entry the time from submit to outcome and the leader's local apply. NaN for a
   * single-node engine.
   */
  record EntryFigures(double transactionsPerEntry, double entryMillis, double applyMillis) {
    static final EntryFigures NONE = new EntryFigures(Double.NaN, Double.NaN, Double.NaN);

    static EntryFigures between(Map<String, Number> before, Map<String, Number> after) {
      if (!after.containsKey("raft.entriesProposed")) {
        return NONE;
      }
      double entries = delta(before, after, "raft.entriesProposed");
      double applies = delta(before, after, "raft.batchApplies");
      return new EntryFigures(
          delta(before, after, "raft.transactionsProposed") / entries,
          delta(before, after, "raft.proposeNanos") / entries / 1e6,
          delta(before, after, "raft.batchApplyNanos") / applies / 1e6);
    }

    private static double delta(Map<String, Number> before, Map<String, Number> after, String k) {
      return after.get(k).doubleValue() - before.get(k).doubleValue();
    }
  }

  @Override
  public Integer call() throws Exception {
    if (warmupPasses < 1) {
      throw new BenchException("--warmup-passes must be at least 1, got " + warmupPasses);
    }
    System.out.printf(
        Locale.ROOT,
        "raft bench: JDK %s, %d cpus, engines %s, %d rounds of %.1f s phases, load %s%n",
        System.getProperty("java.version"),
        Runtime.getRuntime().availableProcessors(),
        engines,
        rounds,
        seconds,
        loadAverage());
    List<Row> rows = new ArrayList<>();
    if (rounds > 0) {
      // Untimed: the JIT compiles each engine's and Ratis' paths before the first measured round,
      // pass after pass until the compiler has settled.
      for (String engine : engines) {
        System.out.println("warm-up, " + engine + ":");
        JitWarmUp.ofThisJvm()
            .run(
                warmupPasses,
                () -> {
                  try {
                    runSetup(-1, engine, SINGLE, Math.min(seconds, 1), new ArrayList<>());
                    runSetup(-1, engine, RAFT_NO_SYNC, Math.min(seconds, 1), new ArrayList<>());
                  } catch (IOException e) {
                    throw new UncheckedIOException(e);
                  }
                });
      }
    }
    for (int round = 0; round < rounds; round++) {
      for (String engine : engines) {
        for (String setup : List.of(SINGLE, RAFT_NO_SYNC, RAFT_SYNC)) {
          runSetup(round, engine, setup, seconds, rows);
        }
      }
    }
    String snapshotLine = snapshotGib > 0 ? snapshotInstall() : null;
    Files.createDirectories(dirs.out());
    writeRounds(rows);
    String table = Summary.table(rows, engines, snapshotLine);
    System.out.println(table);
    Files.writeString(dirs.out().resolve("raft-summary.txt"), table, StandardCharsets.UTF_8);
    Files.write(
        dirs.out().resolve("raft-summary.csv"), Summary.csv(rows, engines), StandardCharsets.UTF_8);
    System.out.println(
        "wrote " + dirs.out().resolve("raft-rounds.csv") + ", raft-summary.{csv,txt}");
    return 0;
  }

  private void runSetup(int round, String engine, String setup, double phaseSeconds, List<Row> rows)
      throws IOException {
    Path dir = dirs.workDir().resolve(engine + "-" + setup.replaceAll("[^A-Za-z_]+", "-"));
    SystemProbe.deleteTree(dir);
    Files.createDirectories(dir);
    long phaseSeed = seed + 1000L * (round + 1);
    try {
      if (setup.equals(SINGLE)) {
        try (StorageEngine single =
            StorageEngines.open(
                engine, dir, EngineOptions.builder().durability(Durability.SYNC).build())) {
          Workloads.preload(single, preload, seed);
          commitPhases(round, engine, setup, single, phaseSeconds, phaseSeed, rows);
          record(
              rows,
              round,
              engine,
              setup,
              "reads",
              Workloads.reads(single, readThreads, phaseSeconds, phaseSeed, preload));
        }
      } else {
        Durability local = setup.equals(RAFT_SYNC) ? Durability.SYNC : Durability.NO_SYNC;
        try (RaftGroup group = RaftGroup.open(dir, engine, local, groupSettings)) {
          Workloads.preload(group.leader(), preload, seed);
          commitPhases(round, engine, setup, group.leader(), phaseSeconds, phaseSeed, rows);
          if (local == Durability.NO_SYNC) {
            record(
                rows,
                round,
                engine,
                setup,
                "reads, linearizable, leader",
                Workloads.reads(group.replicas[0], readThreads, phaseSeconds, phaseSeed, preload));
            record(
                rows,
                round,
                engine,
                setup,
                "reads, linearizable, follower",
                Workloads.reads(group.replicas[1], readThreads, phaseSeconds, phaseSeed, preload));
            record(
                rows,
                round,
                engine,
                setup,
                "reads, local, follower",
                Workloads.reads(group.replicas[2], readThreads, phaseSeconds, phaseSeed, preload));
          }
        }
      }
    } finally {
      SystemProbe.deleteTree(dir);
    }
  }

  private void commitPhases(
      int round,
      String engine,
      String setup,
      StorageEngine target,
      double phaseSeconds,
      long phaseSeed,
      List<Row> rows) {
    for (int puts : new int[] {1, 100}) {
      for (int threads : new int[] {1, clients}) {
        Map<String, Number> before = target.stats();
        Figures f =
            Workloads.commits(target, puts, threads, phaseSeconds, phaseSeed + puts + threads);
        EntryFigures entries = EntryFigures.between(before, target.stats());
        record(rows, round, engine, setup, Summary.commitWorkload(puts, threads), f, entries);
      }
    }
  }

  private static void record(
      List<Row> rows, int round, String engine, String setup, String workload, Figures f) {
    record(rows, round, engine, setup, workload, f, EntryFigures.NONE);
  }

  private static void record(
      List<Row> rows,
      int round,
      String engine,
      String setup,
      String workload,
      Figures f,
      EntryFigures entries) {
    Row row =
        new Row(
            round,
            engine,
            setup,
            workload,
            f.opsPerSecond(),
            f.p50Millis(),
            f.p99Millis(),
            f.cpuMillisPerOp(),
            entries,
            loadAverage());
    System.out.printf(
        Locale.ROOT,
        "round %d  %-7s %-20s %-30s %10.0f /s  p50 %8.2f ms  p99 %8.2f ms  cpu %7.3f ms/op"
            + "%s  load %s%n",
        round,
        engine,
        setup,
        workload,
        f.opsPerSecond(),
        f.p50Millis(),
        f.p99Millis(),
        f.cpuMillisPerOp(),
        Double.isNaN(entries.transactionsPerEntry())
            ? ""
            : String.format(
                Locale.ROOT,
                "  txns/entry %5.1f  entry %6.2f ms  leader apply %6.2f ms",
                entries.transactionsPerEntry(),
                entries.entryMillis(),
                entries.applyMillis()),
        row.loadAverage());
    if (round >= 0) {
      rows.add(row);
    }
  }

  /**
   * A replica is stopped while the group writes {@code --snapshot-gib} of data (1 MiB entries of 16
   * puts of 64 KiB) and snapshots it, which purges the log; the replica then restarts and the time
   * until it has installed the snapshot and applied up to the leader is measured.
   */
  private String snapshotInstall() throws IOException {
    int entries = (int) Math.max(8, Math.round(snapshotGib * 1024));
    Path dir = dirs.workDir().resolve("snapshot");
    SystemProbe.deleteTree(dir);
    Files.createDirectories(dir);
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put("raft.snapshotEveryEntries", Integer.toString(entries));
    // Small log segments, so the snapshot purges most of the log (whole segments only) and the
    // restarted replica cannot catch up from the log.
    settings.put("raft.maxEntryBytes", Integer.toString(2 << 20));
    settings.put("raft.logSegmentBytes", Integer.toString(4 << 20));
    try (RaftGroup group = RaftGroup.open(dir, snapshotEngine, Durability.NO_SYNC, settings)) {
      group.stop(2);
      byte[] value = new byte[64 << 10];
      java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
      long loadStart = System.nanoTime();
      for (int e = 0; e < entries + 8; e++) {
        try (var txn = group.leader().beginWrite()) {
          for (int i = 0; i < 16; i++) {
            random.nextBytes(value);
            txn.put(Workloads.key(e * 16L + i), value);
          }
          txn.commit();
        }
      }
      double loadSeconds = (System.nanoTime() - loadStart) / 1e9;
      awaitStat(group.leader(), "raft.logStartIndex", 1, 600);
      long leaderIndex = group.leader().stats().get("raft.commitIndex").longValue();
      long snapshotIndex = group.leader().stats().get("raft.snapshotIndex").longValue();
      long start = System.nanoTime();
      group.start(2);
      awaitStat(group.replicas[2], "raft.appliedIndex", leaderIndex, 3600);
      double installSeconds = (System.nanoTime() - start) / 1e9;
      long installed = group.replicas[2].stats().get("raft.snapshotsInstalled").longValue();
      if (installed < 1) {
        throw new IllegalStateException("r3 caught up from the log, not by a snapshot");
      }
      double mib = entries + 8.0;
      String line =
          String.format(
              Locale.ROOT,
              "snapshot install, %s, %.0f MiB (snapshot at index %d): %.1f s, %.1f MiB/s;"
                  + " load of the group %.1f s (%.1f MiB/s); load average %s",
              snapshotEngine,
              mib,
              snapshotIndex,
              installSeconds,
              mib / installSeconds,
              loadSeconds,
              mib / loadSeconds,
              loadAverage());
      System.out.println(line);
      return line;
    } finally {
      SystemProbe.deleteTree(dir);
    }
  }

  private static void awaitStat(StorageEngine engine, String stat, long atLeast, int seconds) {
    long deadline = System.nanoTime() + seconds * 1_000_000_000L;
    while (engine.stats().get(stat).longValue() < atLeast) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            stat + " did not reach " + atLeast + " in " + seconds + " s");
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
    }
  }

  private void writeRounds(List<Row> rows) throws IOException {
    List<String> lines = new ArrayList<>();
    lines.add(
        "round,engine,setup,workload,ops_per_s,p50_ms,p99_ms,cpu_ms_per_op,"
            + "txns_per_entry,entry_ms,leader_apply_ms,load_average,time");
    String time = Instant.now().toString();
    for (Row r : rows) {
      lines.add(
          String.format(
              Locale.ROOT,
              "%d,%s,\"%s\",\"%s\",%.1f,%.3f,%.3f,%.4f,%s,%s,%s,%s,%s",
              r.round(),
              r.engine(),
              r.setup(),
              r.workload(),
              r.opsPerSecond(),
              r.p50Millis(),
              r.p99Millis(),
              r.cpuMillisPerOp(),
              csvNumber(r.entries().transactionsPerEntry(), "%.2f"),
              csvNumber(r.entries().entryMillis(), "%.3f"),
              csvNumber(r.entries().applyMillis(), "%.3f"),
              r.loadAverage(),
              time));
    }
    Files.write(dirs.out().resolve("raft-rounds.csv"), lines, StandardCharsets.UTF_8);
  }

  /** A number for the CSV, empty where there is none (NaN). */
  private static String csvNumber(double value, String format) {
    return Double.isNaN(value) ? "" : String.format(Locale.ROOT, format, value);
  }

  /** The 1-minute load average, from {@code /proc/loadavg} ("?" where there is none). */
  static String loadAverage() {
    try {
      return Arrays.stream(Files.readString(Path.of("/proc/loadavg")).split(" "))
          .findFirst()
          .orElse("?");
    } catch (IOException e) {
      return "?";
    }
  }
}
