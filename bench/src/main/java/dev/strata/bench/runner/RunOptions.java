package dev.strata.bench.runner;

import dev.strata.api.Durability;
import dev.strata.api.EngineOptions;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The options every measuring command shares (picocli mixin): engine settings, where stores and
 * results go, the seed and the progress bars. Not thread-safe; read once per run.
 */
final class RunOptions {
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

  /** Applies {@code --progress} and returns the run's seed: the one given, else a fresh one. */
  long begin() {
    if (progress != null) {
      Progress.setEnabled(progress);
    }
    return seed != null ? seed : System.nanoTime();
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
