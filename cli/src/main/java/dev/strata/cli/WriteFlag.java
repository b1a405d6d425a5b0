package dev.strata.cli;

import picocli.CommandLine.Option;

/** The {@code --write} flag of the commands that change a store: read-only is the default. */
final class WriteFlag {
  @Option(
      names = "--write",
      description = "Allow this command to change the store (read-only is the default).")
  boolean write;

  /** Refuses the command unless {@code --write} was given. */
  void require(String command) {
    if (!write) {
      throw new UsageException(
          command + " changes the store; add --write to allow it (read-only is the default)");
    }
  }
}
