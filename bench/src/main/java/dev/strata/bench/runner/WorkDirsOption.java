package dev.strata.bench.runner;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * {@code --dir} and {@code --out} of the commands that keep their stores and result files in
 * directories named after themselves, {@code results/work/NAME} and {@code results/NAME} by default
 * (picocli mixin). Not thread-safe; read once per run.
 */
public final class WorkDirsOption {
  @Option(names = "--dir", description = "Working directory (default: ${DEFAULT-VALUE}).")
  Path workDir;

  @Option(names = "--out", description = "Result directory (default: ${DEFAULT-VALUE}).")
  Path out;

  /**
   * Creates the options with a command's defaults.
   *
   * @param name the command's name, which names both default directories
   */
  public WorkDirsOption(String name) {
    this.workDir = Path.of("results", "work", name);
    this.out = Path.of("results", name);
  }

  /**
   * Returns where the command creates its stores.
   *
   * @return the {@code --dir} directory
   */
  public Path workDir() {
    return workDir;
  }

  /**
   * Returns where the command writes its result files.
   *
   * @return the {@code --out} directory
   */
  public Path out() {
    return out;
  }
}
