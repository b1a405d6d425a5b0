package dev.strata.cli;

import picocli.CommandLine.Option;

/** The {@code --format} option of the commands that print entries: get and scan. */
final class OutputFormatOption {
  @Option(
      names = "--format",
      paramLabel = "FORMAT",
      defaultValue = "text",
      description = "Output: text, hex, base64 or json. Default: ${DEFAULT-VALUE}.")
  OutputFormat format = OutputFormat.TEXT;
}
