package dev.strata.cli;

import dev.strata.api.Cursor;
import dev.strata.api.ReadTxn;
import dev.strata.api.StorageEngine;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code strata export STORE > dump.jsonl}: one snapshot as JSON Lines, streaming. */
@Command(
    name = "export",
    mixinStandardHelpOptions = true,
    description = {
      "Write the entries of one snapshot (every key, or a range) as JSON Lines, one"
          + " {\"key\":\"<base64>\",\"value\":\"<base64>\"} object per line in key order, to"
          + " standard output or --output FILE. Streams: memory stays bounded whatever the store's"
          + " size. The progress bar counts entries written (against the key count from stats()"
          + " when the engine reports one); the entry count goes to standard error at the end."
    })
final class ExportCommand implements Callable<Integer> {
  @ParentCommand Strata strata;
  @Mixin StoreArgs store;
  @Mixin KeyArgs keys;
  @Mixin ProgressOption progress;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FILE",
      description = "Write to FILE (created or replaced) instead of standard output.")
  Path output;

  @Override
  public Integer call() throws IOException {
    long count = 0;
    try (StorageEngine engine = store.openReadOnly()) {
      long total = keys.isAll() ? CheckCommand.keyCount(engine.stats()) : -1;
      OutputStream sink = output == null ? strata.out : Files.newOutputStream(output);
      Writer w = new BufferedWriter(new OutputStreamWriter(sink, StandardCharsets.UTF_8), 1 << 16);
      try (Progress bar = Progress.start(progress.mode, strata.err, "export", total, " entries");
          ReadTxn txn = engine.beginRead();
          Cursor c = txn.cursor(keys.range())) {
        int pending = 0;
        while (c.next()) {
          w.write(JsonLines.format(c.key(), c.value()));
          w.write('\n');
          count++;
          if (++pending == 4096) {
            bar.step(pending);
            pending = 0;
            if (output == null && strata.out.checkError()) {
              break; // the reader went away (export | head): stop reading the store
            }
          }
        }
        bar.step(pending);
      } finally {
        if (output == null) {
          w.flush();
        } else {
          w.close();
        }
      }
    }
    strata.err.println("exported " + count + " entries");
    return Strata.OK;
  }
}
