package dev.strata.cli;

import dev.strata.api.KeyRange;
import picocli.CommandLine.Option;

/**
 * How key and value arguments are written ({@code --arg-format}) and the range options ({@code
 * --prefix}, {@code --from}, {@code --to}) of the commands that walk a range.
 */
final class KeyArgs {
  @Option(
      names = "--arg-format",
      paramLabel = "FORMAT",
      defaultValue = "text",
      description =
          "How KEY, VALUE and range arguments are written: text (UTF-8), hex or base64."
              + " Default: ${DEFAULT-VALUE}.")
  Encoding argFormat = Encoding.TEXT;

  @Option(names = "--prefix", paramLabel = "PREFIX", description = "Only keys with this prefix.")
  String prefix;

  @Option(names = "--from", paramLabel = "KEY", description = "First key (inclusive).")
  String from;

  @Option(names = "--to", paramLabel = "KEY", description = "End key (exclusive).")
  String to;

  byte[] decode(String argument, String what) {
    return argFormat.decode(argument, what);
  }

  /** The range the options describe; every key when none is given. */
  KeyRange range() {
    if (prefix != null && (from != null || to != null)) {
      throw new UsageException("--prefix cannot be combined with --from or --to");
    }
    if (prefix != null) {
      return KeyRange.prefix(decode(prefix, "prefix"));
    }
    if (from != null && to != null) {
      return KeyRange.between(decode(from, "--from key"), decode(to, "--to key"));
    }
    if (from != null) {
      return KeyRange.atLeast(decode(from, "--from key"));
    }
    if (to != null) {
      return KeyRange.below(decode(to, "--to key"));
    }
    return KeyRange.all();
  }

  boolean isAll() {
    return prefix == null && from == null && to == null;
  }
}
