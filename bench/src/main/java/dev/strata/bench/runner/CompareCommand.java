package dev.strata.bench.runner;

import dev.strata.api.Durability;
import dev.strata.api.EngineOptions;
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
 *
 * <p>By default each engine runs in its own child JVM, as JMH forks do: the same JVM flags for
 * every engine ({@code --jvm-args}), an untimed warm-up of the same phases on a separate store,
 * repeated until the JIT compiler has settled ({@link JitWarmUp}), before the measured run, and
 * heap and peak RSS that belong to that engine alone. The child is this command with {@code
 * --engines <one> --child-result <file>}; it hands its rows back in that file ({@link ChildRows}),
 * and the parent assembles the tables, CSV, JSON and charts. A child that crashes, loses a key or
 * fails otherwise is reported and makes the run exit with 1 after the other engines ran. {@code
 * --in-process} runs every engine in this JVM without warm-up. Not thread-safe; picocli runs it
 * once.
 */
@Command(
    name = "compare",
    mixinStandardHelpOptions = true,
    description = {
      "Loads N keys into every engine, then measures random reads, batched writes, 1,000-entry"
          + " scans and a 90/10 read/write mix. Prints a table per engine and writes"
          + " results/compare-<time>.{csv,json} and -throughput.png / -p99.png.",
      "Each engine runs in its own JVM after an untimed warm-up that repeats until the JIT settles"
          + " (--in-process: all in this JVM,"
          + " no warm-up). Phases are capped by --seconds each: about 3 minutes for six engines by"
          + " default. The load always commits "
          + CompareCommand.LOAD_BATCH
          + " keys at a time; --quick caps --keys at 10000 and runs in-process."
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
      description =
          "CI smoke run: 10,000 keys, 0.5 s phases, --in-process; well under a minute for six"
              + " engines.")
  boolean quick;

  @Option(
      names = "--in-process",
      description =
          "Run every engine in this JVM, one after another, without warm-up: quick, but the first"
              + " engine pays the JIT's warm-up and all share one heap (implied by --quick).")
  boolean inProcess;

  @Option(
      names = "--jvm-args",
      paramLabel = "FLAGS",
      description =
          "JVM flags of each engine's child JVM, space-separated (default: this JVM's -X/-XX flags"
              + " and its maximum heap as -Xmx).")
  String jvmArgs;

  @Option(
      names = "--warmup-seconds",
      description =
          "Untimed warm-up in each child JVM before the measured run: the same phases on a separate"
              + " store of min(--keys, "
              + EnginePhases.WARMUP_KEYS
              + ") keys, each capped at this many seconds (default: ${DEFAULT-VALUE}; 0: none).")
  double warmupSeconds = 1;

  @Option(
      names = "--warmup-passes",
      description =
          "Most warm-up passes in each child JVM: passes repeat until one spends at most 2 % of"
              + " its time in the JIT compiler (default: ${DEFAULT-VALUE}).")
  int warmupPasses = 8;

  /** Set by the parent in a child's command line: run one engine and write its rows here. */
  @Option(names = "--child-result", hidden = true)
  Path childResult;

  @Override
  public Integer call() {
    if (quick) {
      keyCount.keys = Math.min(keyCount.keys, 10_000);
      seconds = Math.min(seconds, 0.5);
      inProcess = true;
    }
    long keys = keyCount.keys();
    if (keys < SCAN_LENGTH + 1
        || workload.valueSize() < 0
        || batch < 1
        || threads < 1
        || seconds <= 0
        || warmupSeconds < 0
        || warmupPasses < 1) {
      throw new BenchException(
          "need --keys > "
              + SCAN_LENGTH
              + ", --value-size >= 0, --batch >= 1, --threads >= 1, --seconds > 0,"
              + " --warmup-seconds >= 0 and --warmup-passes >= 1");
    }
    EnginePhases phases = new EnginePhases(keys, workload.valueSize(), batch, threads, seconds);
    Durability durability = workload.durability();
    EngineOptions options = run.options(durability);
    if (childResult != null) {
      return runChild(phases, options);
    }
    List<String> names = engines.resolve();
    if (!inProcess && jvmArgs == null) {
      jvmArgs = EngineFork.defaultJvmArgs();
    }
    long runSeed = run.start();
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
            + " s per phase, "
            + (inProcess
                ? "all engines in this JVM"
                : "each engine in its own JVM ("
                    + jvmArgs
                    + ") "
                    + (warmupSeconds > 0
                        ? "after up to "
                            + warmupPasses
                            + " warm-up passes of "
                            + warmupSeconds
                            + " s phases, until the JIT settles"
                        : "without warm-up")));

    List<PhaseResult> rows = new ArrayList<>();
    List<String> failures = new ArrayList<>();
    for (String name : names) {
      if (inProcess) {
        rows.addAll(phases.run(name, run.workDir.resolve(name), options, runSeed));
        continue;
      }
      try {
        rows.addAll(
            EngineFork.run(
                name,
                jvmArgs,
                childArguments(name, runSeed),
                run.workDir.toAbsolutePath().resolve(name + "-rows.tsv")));
      } catch (BenchException e) {
        System.err.println("strata-bench compare: " + e.getMessage());
        failures.add(name);
      }
    }
    if (!rows.isEmpty()) {
      writeResults(rows, keys, durability);
    }
    if (!failures.isEmpty()) {
      System.err.println("strata-bench compare: failed engines: " + String.join(", ", failures));
      return 1;
    }
    return 0;
  }

  private void writeResults(List<PhaseResult> rows, long keys, Durability durability) {
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
  }

  /** The command line of {@code name}'s child: this run's workload, restricted to that engine. */
  private List<String> childArguments(String name, long runSeed) {
    List<String> args = new ArrayList<>();
    args.addAll(List.of("compare", "--engines", name, "--keys", Long.toString(keyCount.keys())));
    args.addAll(List.of("--value-size", Integer.toString(workload.valueSize())));
    args.addAll(List.of("--durability", workload.durability().name()));
    args.addAll(
        List.of("--batch", Integer.toString(batch), "--threads", Integer.toString(threads)));
    args.addAll(List.of("--seconds", Double.toString(seconds)));
    args.addAll(List.of("--warmup-seconds", Double.toString(warmupSeconds)));
    args.addAll(List.of("--warmup-passes", Integer.toString(warmupPasses)));
    args.addAll(List.of("--dir", run.workDir.toAbsolutePath().toString()));
    args.addAll(List.of("--seed", Long.toString(runSeed), "--no-progress"));
    run.settings().forEach((k, v) -> args.addAll(List.of("--set", k + "=" + v)));
    return args;
  }

  /**
   * The child's side of a forked run: the untimed warm-up on its own store, a full collection, then
   * the measured phases, whose rows go to {@link #childResult}.
   */
  private int runChild(EnginePhases phases, EngineOptions options) {
    List<String> names = engines.resolve();
    if (names.size() != 1 || run.seed == null) {
      throw new BenchException("a child run takes exactly one engine and a seed");
    }
    String name = names.get(0);
    long runSeed = run.begin();
    if (warmupSeconds > 0) {
      EnginePhases warmUp = phases.warmUp(warmupSeconds);
      JitWarmUp.ofThisJvm()
          .run(
              warmupPasses,
              () -> warmUp.run(name, run.workDir.resolve(name + "-jit-warmup"), options, runSeed));
      System.gc();
    }
    List<PhaseResult> rows = phases.run(name, run.workDir.resolve(name), options, runSeed);
    try {
      ChildRows.write(childResult, rows);
    } catch (java.io.IOException e) {
      throw new BenchException("cannot write " + childResult + ": " + e.getMessage(), e);
    }
    return 0;
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
