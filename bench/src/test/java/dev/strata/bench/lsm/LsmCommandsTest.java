package dev.strata.bench.lsm;

import static dev.strata.bench.BenchCommands.execute;
import static dev.strata.bench.BenchCommands.only;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.bench.runner.StrataBench;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code strata-bench lsm overhead} and {@code lsm write-amp} end to end, on tiny sizes. */
class LsmCommandsTest {
  @TempDir Path dir;

  @Test
  void overhead_pairsEveryOperation_andWritesOneRowEach() throws IOException {
    int code =
        execute(
            dir,
            "lsm",
            "overhead",
            "--keys",
            "3000",
            "--rounds",
            "4",
            "--block-millis",
            "5",
            "--seed",
            "7");
    assertEquals(0, code);
    List<String> csv = Files.readAllLines(only(dir.resolve("out"), ".csv"));
    assertEquals(1 + 6, csv.size(), String.join("\n", csv));
    assertTrue(csv.get(0).startsWith("operation,medianRatio,q1Ratio,q3Ratio"), csv.get(0));
    for (String row : csv.subList(1, csv.size())) {
      double median = Double.parseDouble(row.split(",")[1]);
      assertTrue(median > 0 && Double.isFinite(median), row);
    }
    String json = Files.readString(only(dir.resolve("out"), ".json"));
    assertTrue(
        json.contains("lsm overhead --keys 3000 --value-size 100 --durability NO_SYNC"), json);
    assertTrue(json.contains("--rounds 4 --block-millis 5"), json);
    assertTrue(json.contains("--seed 7"), json);
    try (Stream<Path> left = Files.list(dir.resolve("work"))) {
      assertEquals(0, left.count(), "both stores are deleted");
    }
  }

  @Test
  void overhead_withEngineSettings_isRefused() {
    assertEquals(1, execute(dir, "lsm", "overhead", "--set", "lsm.compression=none"));
  }

  @Test
  void writeAmp_reportsAfterWritesAndAfterCompaction() throws IOException {
    int code =
        execute(
            dir,
            "lsm",
            "write-amp",
            "--logical-bytes",
            "1MiB",
            "--keys",
            "1000000",
            "--drain-seconds",
            "5",
            "--set",
            "lsm.writeBufferBytes=1MiB",
            "--seed",
            "3");
    assertEquals(0, code);
    List<String> csv = Files.readAllLines(only(dir.resolve("out"), ".csv"));
    assertEquals(3, csv.size(), String.join("\n", csv));
    List<String> header = List.of(csv.get(0).split(","));
    String[] end = csv.get(1).split(",");
    assertTrue(csv.get(1).startsWith("end of writes,"), csv.get(1));
    long logical = Long.parseLong(end[header.indexOf("logicalBytes")]);
    long physical = Long.parseLong(end[header.indexOf("physicalBytes")]);
    assertTrue(logical >= 1 << 20, "logical " + logical);
    // NO_SYNC still writes the WAL, and a transaction writes each key it put once: with keys drawn
    // from a million, a 1,000-put transaction seldom repeats one, so every logical byte reaches the
    // OS at least once.
    assertTrue(physical >= logical, "physical " + physical + " < logical " + logical);
    assertTrue(header.contains("filesAtLevel6"), csv.get(0));
    assertTrue(Files.notExists(dir.resolve("work").resolve("lsm-write-amp")), "store deleted");
  }

  @Test
  void writeAmp_badSize_exitsWithTwo() {
    assertEquals(2, StrataBench.execute("lsm", "write-amp", "--logical-bytes", "lots"));
  }

  @Test
  void lsmWithoutSubcommand_printsUsage() {
    assertEquals(0, StrataBench.execute("lsm"));
  }
}
