package dev.strata.cli;

import picocli.CommandLine.Option;

/** The {@code --progress} option of the commands that draw progress bars. */
final class ProgressOption {
  @Option(
      names = "--progress",
      paramLabel = "WHEN",
      defaultValue = "auto",
      description =
          "Progress bars on standard error: auto (when it is a terminal), always or never."
              + " Default: ${DEFAULT-VALUE}.")
  Progress.Mode mode = Progress.Mode.AUTO;
}
