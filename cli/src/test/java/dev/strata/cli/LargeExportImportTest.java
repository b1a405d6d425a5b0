package dev.strata.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.strata.api.Cursor;
import dev.strata.api.Durability;
import dev.strata.api.EngineOptions;
import dev.strata.api.KeyRange;
import dev.strata.api.ReadTxn;
import dev.strata.api.StorageEngine;
import dev.strata.api.StorageEngines;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Export and import stream: {@code strata.cli.exportKeys} keys (10 million by default) go through
 * export and import in child JVMs whose heap is capped at 64 MiB, far below the data's size, and
 * the copy equals the source entry for entry. Long: tagged {@code soak}, run with {@code
 * -Preliability}.
 */
@Tag("soak")
class LargeExportImportTest {
  private static final String HEAP = "-Xmx64m";

  @TempDir Path dir;

  @Test
  void tenMillionKeys_exportAndImport_inBoundedMemory() throws Exception {
    long keys = Long.getLong("strata.cli.exportKeys", 10_000_000L);
    Path source = dir.resolve("source");
    try (StorageEngine e =
        StorageEngines.open(
            "btree", source, EngineOptions.builder().durability(Durability.NO_SYNC).build())) {
      for (long start = 0; start < keys; start += 100_000) {
        long from = start;
        e.update(
            txn -> {
              for (long i = from; i < Math.min(keys, from + 100_000); i++) {
                txn.put(key(i), value(i));
              }
              return null;
            });
      }
    }
    Path dump = dir.resolve("dump.jsonl");
    Path copy = dir.resolve("copy");
    long started = System.nanoTime();
    run("export", source.toString(), "--output", dump.toString());
    long exported = System.nanoTime();
    run("import", "--engine", "btree", "--write", copy.toString(), "--input", dump.toString());
    long imported = System.nanoTime();
    System.out.printf(
        "LargeExportImportTest: %d keys, export %d s, import %d s, heap %s%n",
        keys,
        TimeUnit.NANOSECONDS.toSeconds(exported - started),
        TimeUnit.NANOSECONDS.toSeconds(imported - exported),
        HEAP);
    assertSameContent(source, copy, keys);
  }

  private static void run(String... args) throws Exception {
    List<String> command = new ArrayList<>(Cli.childJvm(HEAP));
    command.addAll(List.of(args));
    command.add("--progress=never");
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), String.join(" ", args) + "\n" + output);
  }

  /** Walks both stores side by side, so the comparison itself needs no memory per entry. */
  private static void assertSameContent(Path a, Path b, long expected) {
    EngineOptions readOnly = EngineOptions.builder().readOnly(true).build();
    try (StorageEngine ea = StorageEngines.open(a, readOnly);
        StorageEngine eb = StorageEngines.open(b, readOnly);
        ReadTxn ta = ea.beginRead();
        ReadTxn tb = eb.beginRead();
        Cursor ca = ta.cursor(KeyRange.all());
        Cursor cb = tb.cursor(KeyRange.all())) {
      long n = 0;
      while (ca.next()) {
        assertEquals(true, cb.next(), "copy ends early at entry " + n);
        assertArrayEquals(ca.key(), cb.key(), "key of entry " + n);
        assertArrayEquals(ca.value(), cb.value(), "value of entry " + n);
        n++;
      }
      assertFalse(cb.next(), "copy has more entries than the source");
      assertEquals(expected, n);
      eb.verifyIntegrity();
    }
  }

  private static byte[] key(long i) {
    return String.format("k%010d", i).getBytes(StandardCharsets.US_ASCII);
  }

  private static byte[] value(long i) {
    return ("value-" + Long.toHexString(i * 0x9E3779B97F4A7C15L))
        .getBytes(StandardCharsets.US_ASCII);
  }
}
