package dev.strata.bench.runner;

import dev.strata.api.Durability;
import dev.strata.api.EngineOptions;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The options every measuring command shares (picocli mixin): engine settings, where stores and
 * results go, the seed and the progress bars; and what every such command does with them at the
 * start and end of a run: pick and print the seed with the machine's headline, and write the result
 * rows as CSV and JSON beside a description of the run that includes the command line that
 * reproduces it. Not thread-safe; used by the command's thread.
 */
public final class RunOptions {
  @Option(
      names = "--set",
      paramLabel = "KEY=VALUE",
      description = "Engine setting, e.g. --set btree.freelist=hash (repeatable).")
  Map<String, String> settings;

  @Option(
      names = "--dir",
      description =
          "Where stores are created; each is deleted after its engine's run (default: ${DEFAULT-VALUE}).")
  Path workDir = Path.of("results", "work");

  @Option(
      names = "--out",
      description =
          "Directory for the result files: CSV, JSON and charts (default: ${DEFAULT-VALUE}).")
  Path out = Path.of("results");

  @Option(
      names = "--seed",
      description = "Seed of the random choices (default: time-based; printed).")
  Long seed;

  @Option(
      names = "--progress",
      negatable = true,
      description = "Draw progress bars (default: only on a terminal).")
  Boolean progress;

  /**
   * Options the reproducing command line leaves out: paths of this machine, the display, and the
   * seed (appended last, with the value actually used).
   */
  private static final java.util.Set<String> NOT_REPEATED =
      java.util.Set.of("--dir", "--out", "--progress", "--seed");

  /** The command this mixin belongs to, for the reproducing command line. */
  @Spec(Spec.Target.MIXEE)
  CommandSpec command;

  private long runSeed;
  private Instant started;
  private Map<String, Object> meta;

  /** Creates the options at their defaults; picocli fills them in. */
  public RunOptions() {}

  /** Applies {@code --progress} and returns the run's seed: the one given, else a fresh one. */
  long begin() {
    if (progress != null) {
      Progress.setEnabled(progress);
    }
    return seed != null ? seed : System.nanoTime();
  }

  /**
   * Starts a run: applies {@code --progress}, fixes the seed (the one given, else a fresh one),
   * records when and where the run happens, and prints that headline with the seed.
   *
   * @return the run's seed
   */
  public long start() {
    runSeed = begin();
    started = Instant.now();
    meta = RunInfo.describe(started, commandLine(), runSeed);
    System.out.println(RunInfo.headline(meta));
    return runSeed;
  }

  /**
   * Returns the command line that reproduces this run: the command's name and every option at its
   * effective value (defaults included) except {@code --dir}, {@code --out} and {@code --progress},
   * the seed last.
   *
   * @return for example {@code "lsm overhead --keys 200000 --rounds 40 ... --seed 42"}
   */
  public String commandLine() {
    List<String> words = new ArrayList<>();
    words.add(command.qualifiedName(" ").replaceFirst("^strata-bench ", ""));
    for (OptionSpec option : command.options()) {
      String name = option.longestName();
      if (option.usageHelp() || option.versionHelp() || NOT_REPEATED.contains(name)) {
        continue;
      }
      Object value = option.getValue();
      if (value == null
          || (value instanceof Collection<?> c && c.isEmpty())
          || Boolean.FALSE.equals(value)) {
        continue;
      }
      if (value instanceof Map<?, ?> map) {
        map.forEach((k, v) -> words.add(name + " " + k + "=" + v));
      } else if (value instanceof Collection<?> c) {
        words.add(name + " " + String.join(",", c.stream().map(String::valueOf).toList()));
      } else if (Boolean.TRUE.equals(value) && option.arity().max() == 0) {
        words.add(name);
      } else {
        String text = String.valueOf(value);
        // A value with spaces (--jvm-args) stays one word when the line is pasted into a shell.
        words.add(name + " " + (text.matches(".*\\s.*") ? "'" + text + "'" : text));
      }
    }
    words.add("--seed " + (started != null ? runSeed : seed != null ? seed : "<time-based>"));
    return String.join(" ", words);
  }

  /**
   * Writes {@code rows} to {@code <out>/<kind>-<UTC time>.csv} and {@code .json} (the JSON also
   * holds the run's description) and prints where. Call {@link #start()} first.
   *
   * @param kind the file-name prefix, e.g. {@code "lsm-overhead"}
   * @param rows one map per row, every row with the same keys in the same order
   * @return the written files' common path without extension, for further files such as charts
   * @throws IllegalStateException if the run was not started
   */
  public Path writeResults(String kind, List<? extends Map<String, Object>> rows) {
    Path base = resultBase(kind);
    ResultFiles.writeCsv(Path.of(base + ".csv"), rows);
    ResultFiles.writeJson(Path.of(base + ".json"), meta, rows);
    System.out.println("wrote " + base + ".{csv,json}");
    return base;
  }

  /**
   * Returns the path, without extension, of this run's result files of a kind: {@code
   * <out>/<kind>-<UTC time>}. Call {@link #start()} first.
   *
   * @param kind the file-name prefix, e.g. {@code "scale"}
   * @return the path; charts add a suffix such as {@code "-btree.png"}
   * @throws IllegalStateException if the run was not started
   */
  public Path resultBase(String kind) {
    if (meta == null) {
      throw new IllegalStateException("result files are named once the run has started");
    }
    return out.resolve(kind + "-" + RunInfo.stamp(started));
  }

  /**
   * Returns where stores are created.
   *
   * @return the {@code --dir} directory
   */
  public Path workDir() {
    return workDir;
  }

  /**
   * Returns the {@code --set} settings.
   *
   * @return the settings, empty when none were given; the caller must not modify it
   */
  public Map<String, String> settings() {
    return settings == null ? Map.of() : settings;
  }

  /**
   * Returns the options every engine of the run is opened with: {@code durability} and {@code
   * --set}.
   *
   * @param durability the durability of the run
   * @return the engine options
   */
  public EngineOptions options(Durability durability) {
    return EngineSettings.options(durability, settings);
  }

  /** {@code --set} as the command line would repeat it, or the empty string. */
  String settingsArgument() {
    return settings == null ? "" : " --set " + settings;
  }
}
