package dev.strata.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.Durability;
import dev.strata.api.EngineOptions;
import dev.strata.api.StorageEngine;
import dev.strata.api.StorageEngines;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Export from every persistent engine, import into every persistent engine: the copy's full scan
 * equals the source's, for random binary keys and values (empty values and every byte value
 * included). The seed is printed; replay with {@code -Dstrata.test.seed=N}.
 */
class RoundTripTest {
  private static final List<String> ENGINES = List.of("btree", "lsm", "ledger");

  @TempDir Path dir;

  static Stream<Arguments> pairs() {
    List<Arguments> pairs = new ArrayList<>();
    for (String from : ENGINES) {
      for (String to : ENGINES) {
        pairs.add(Arguments.of(from, to));
      }
    }
    return pairs.stream();
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @MethodSource("pairs")
  void exportThenImport_copyScansIdentical(String from, String to) throws Exception {
    long seed = seed();
    System.out.println("RoundTripTest " + from + " -> " + to + " seed " + seed);
    SplittableRandom random = new SplittableRandom(seed);
    Path source = dir.resolve("source");
    try (StorageEngine e =
        StorageEngines.open(
            from, source, EngineOptions.builder().durability(Durability.NO_SYNC).build())) {
      e.update(
          txn -> {
            for (int i = 0; i < 3000; i++) {
              byte[] key = new byte[1 + random.nextInt(40)];
              random.nextBytes(key);
              byte[] value = new byte[random.nextInt(5) == 0 ? 0 : random.nextInt(300)];
              random.nextBytes(value);
              txn.put(key, value);
            }
            return null;
          });
    }
    Path dump = dir.resolve("dump.jsonl");
    Cli.Result export = Cli.run("export", source.toString(), "-o", dump.toString());
    assertEquals(0, export.code(), () -> "seed " + seed + "\n" + export);
    Path copy = dir.resolve("copy");
    Cli.Result imported =
        Cli.runWithInput(
            Files.newInputStream(dump),
            "import",
            "--engine",
            to,
            "--write",
            "--batch",
            "700",
            copy.toString());
    assertEquals(0, imported.code(), () -> "seed " + seed + "\n" + imported);
    List<String> expected = StoreContent.scan(source);
    assertTrue(expected.size() > 2900, "seed " + seed);
    assertEquals(expected, StoreContent.scan(copy), "seed " + seed);
    assertEquals(to, StorageEngines.detect(copy).orElseThrow());
  }

  private static long seed() {
    String s = System.getProperty("strata.test.seed", "");
    return s.isBlank() ? System.nanoTime() : Long.parseLong(s);
  }
}
