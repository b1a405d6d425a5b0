package dev.strata.cli;

import dev.strata.api.StorageEngine;
import dev.strata.api.WriteTxn;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code strata import --engine btree --write copy < dump.jsonl}: JSON Lines in, streaming. */
@Command(
    name = "import",
    mixinStandardHelpOptions = true,
    description = {
      "Read JSON Lines as export writes them, from standard input or --input FILE, and put every"
          + " entry (overwriting keys already there). Needs --write; creates the store when"
          + " --engine names an engine. Streams in transactions of --batch entries, so memory stays"
          + " bounded: a malformed line stops the import with an error naming the line, and the"
          + " batches before its batch stay committed (the count imported is printed). The"
          + " progress bar counts input bytes when reading a file, entries otherwise."
    })
final class ImportCommand implements Callable<Integer> {
  @ParentCommand Strata strata;
  @Mixin StoreArgs store;
  @Mixin WriteFlag write;
  @Mixin ProgressOption progress;

  @Option(
      names = {"-i", "--input"},
      paramLabel = "FILE",
      description = "Read FILE instead of standard input.")
  Path input;

  @Option(
      names = "--batch",
      paramLabel = "N",
      defaultValue = "10000",
      description = "Entries per committed transaction. Default: ${DEFAULT-VALUE}.")
  int batch;

  @Override
  public Integer call() throws IOException {
    write.require("import");
    if (batch < 1) {
      throw new UsageException("--batch must be at least 1: " + batch);
    }
    if (input != null && !Files.isRegularFile(input)) {
      throw new UsageException("no input file " + input);
    }
    long imported = 0;
    try (StorageEngine engine = store.openWritable(true);
        InputStream source = input == null ? strata.in : Files.newInputStream(input);
        CountingInput counted = new CountingInput(source);
        BufferedReader lines =
            new BufferedReader(new InputStreamReader(counted, StandardCharsets.UTF_8), 1 << 16);
        Progress bar =
            input == null
                ? Progress.start(progress.mode, strata.err, "import", -1, " entries")
                : Progress.start(progress.mode, strata.err, "import", Files.size(input), " B")) {
      long lineNumber = 0;
      String line;
      WriteTxn txn = null;
      int inTxn = 0;
      long reported = 0;
      try {
        while ((line = lines.readLine()) != null) {
          lineNumber++;
          if (line.isBlank()) {
            continue;
          }
          JsonLines.Entry e;
          try {
            e = JsonLines.parse(line, lineNumber);
          } catch (UsageException bad) {
            throw new UsageException(bad.getMessage() + "; " + imported + " entries imported");
          }
          if (txn == null) {
            txn = engine.beginWrite();
          }
          txn.put(e.key(), e.value());
          if (++inTxn == batch) {
            txn.commit();
            txn.close();
            txn = null;
            imported += inTxn;
            inTxn = 0;
          }
          long done = input == null ? imported + inTxn : counted.count;
          if (done - reported >= 4096) {
            bar.step(done - reported);
            reported = done;
          }
        }
        if (txn != null) {
          txn.commit();
          imported += inTxn;
        }
      } finally {
        if (txn != null) {
          txn.close();
        }
      }
    }
    strata.err.println("imported " + imported + " entries");
    return Strata.OK;
  }

  /** Counts the bytes read, for a progress bar over the input file's size. */
  private static final class CountingInput extends java.io.FilterInputStream {
    long count;

    CountingInput(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        count++;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) {
        count += n;
      }
      return n;
    }
  }
}
