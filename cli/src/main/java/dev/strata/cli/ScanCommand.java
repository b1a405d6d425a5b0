package dev.strata.cli;

import dev.strata.api.Cursor;
import dev.strata.api.KeyRange;
import dev.strata.api.ReadTxn;
import dev.strata.api.StorageEngine;
import java.io.PrintStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code strata scan STORE}: prints the entries of a range, in key order. */
@Command(
    name = "scan",
    mixinStandardHelpOptions = true,
    description = {
      "Print the entries of a range (every key, --prefix, or --from/--to) in unsigned byte"
          + " order, one per line: key, tab, value (or a JSON line with --format json). Reads one"
          + " snapshot, streaming."
    })
final class ScanCommand implements Runnable {
  @ParentCommand Strata strata;
  @Mixin StoreArgs store;
  @Mixin KeyArgs keys;

  @Option(names = "--reverse", description = "Descending key order.")
  boolean reverse;

  @Option(
      names = "--limit",
      paramLabel = "N",
      description = "Print at most N entries (default: all).")
  long limit = Long.MAX_VALUE;

  @Option(names = "--keys-only", description = "Print keys only (not with --format json).")
  boolean keysOnly;

  @Mixin OutputFormatOption output;

  @Override
  public void run() {
    if (limit < 0) {
      throw new UsageException("--limit must not be negative: " + limit);
    }
    if (keysOnly && output.format == OutputFormat.JSON) {
      throw new UsageException("--keys-only prints no JSON lines; use text, hex or base64");
    }
    KeyRange range = keys.range();
    if (reverse) {
      range = range.reversed();
    }
    PrintStream out = strata.out;
    try (StorageEngine engine = store.openReadOnly();
        ReadTxn txn = engine.beginRead();
        Cursor c = txn.cursor(range)) {
      for (long n = 0; n < limit && c.next(); n++) {
        if (keysOnly) {
          out.println(output.format.value(null, c.key()));
        } else {
          out.println(output.format.entry(c.key(), c.value()));
        }
      }
    }
  }
}
