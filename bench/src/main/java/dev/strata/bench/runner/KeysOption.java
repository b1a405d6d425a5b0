package dev.strata.bench.runner;

import picocli.CommandLine.Option;

/**
 * {@code --keys}, how many distinct keys a command loads or draws from (picocli mixin); the default
 * is the command's, given to the constructor. Not thread-safe; read once per run.
 */
public final class KeysOption {
  @Option(names = "--keys", description = "Distinct keys in the store (default: ${DEFAULT-VALUE}).")
  long keys;

  /**
   * Creates the option with a command's default.
   *
   * @param keys the default number of keys
   */
  public KeysOption(long keys) {
    this.keys = keys;
  }

  /**
   * Returns the number of keys.
   *
   * @return the {@code --keys} value
   */
  public long keys() {
    return keys;
  }
}
