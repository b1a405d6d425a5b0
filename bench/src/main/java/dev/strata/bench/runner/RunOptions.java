package dev.strata.bench.runner;

import dev.strata.api.Durability;
import dev.strata.api.EngineOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The options every measuring command shares (picocli mixin): which engines, their settings, where
 * stores and results go, the seed and the progress bars. Not thread-safe; read once per run.
 */
final class RunOptions {
  @Option(
      names = "--engines",
      split = ",",
      paramLabel = "NAME",
      description = "Engines, comma-separated, or 'all' (default: all on the class path).")
  List<String> engines = new ArrayList<>();

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
      description = "Directory for the CSV, JSON and PNG files (default: ${DEFAULT-VALUE}).")
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

  /** Applies {@code --progress} and returns the run's seed: the one given, else a fresh one. */
  long begin() {
    if (progress != null) {
      Progress.setEnabled(progress);
    }
    return seed != null ? seed : System.nanoTime();
  }

  /** The engines to measure, {@code --engines} resolved against the class path. */
  List<String> engineNames() {
    return EngineSettings.resolve(engines);
  }

  /** The options every engine of the run is opened with. */
  EngineOptions options(Durability durability) {
    return EngineSettings.options(durability, settings);
  }

  /** {@code --set} as the command line would repeat it, or the empty string. */
  String settingsArgument() {
    return settings == null ? "" : " --set " + settings;
  }
}
