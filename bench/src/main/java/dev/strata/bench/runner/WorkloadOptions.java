package dev.strata.bench.runner;

import dev.strata.api.Durability;
import picocli.CommandLine.Option;

/**
 * {@code --value-size} and {@code --durability}, the shape of the writes every loading command
 * shares (picocli mixin). Each command chooses its defaults through the constructor, so {@code
 * --help} prints that command's defaults. Not thread-safe; read once per run.
 */
public final class WorkloadOptions {
  @Option(names = "--value-size", description = "Value size in bytes (default: ${DEFAULT-VALUE}).")
  int valueSize;

  @Option(
      names = "--durability",
      description = "SYNC or NO_SYNC, the same for every engine (default: ${DEFAULT-VALUE}).")
  Durability durability;

  /**
   * Creates the options with a command's defaults.
   *
   * @param valueSize the default value size in bytes
   * @param durability the default durability
   */
  public WorkloadOptions(int valueSize, Durability durability) {
    this.valueSize = valueSize;
    this.durability = durability;
  }

  /**
   * Returns the value size.
   *
   * @return bytes per value
   */
  public int valueSize() {
    return valueSize;
  }

  /**
   * Returns the durability commits use.
   *
   * @return the durability
   */
  public Durability durability() {
    return durability;
  }
}
