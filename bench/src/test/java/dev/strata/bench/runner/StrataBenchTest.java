package dev.strata.bench.runner;

import static dev.strata.bench.BenchCommands.execute;
import static dev.strata.bench.BenchCommands.only;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The runner's commands end to end, on tiny sizes, through the same entry point as the jar. */
class StrataBenchTest {
  @TempDir Path dir;

  @Test
  void compareInProcess_writesTableCsvJsonAndCharts_forEveryEngine() throws IOException {
    int code =
        execute(
            dir,
            "compare",
            "--in-process",
            "--engines",
            "memory,lmdb,rocksdb",
            "--keys",
            "3000",
            "--seconds",
            "0.2",
            "--threads",
            "2",
            "--seed",
            "1");
    assertEquals(0, code);
    List<String> csv = Files.readAllLines(only(dir.resolve("out"), ".csv"));
    // A header, then load/read/write/scan/mix/total for each of three engines.
    assertEquals(1 + 3 * 6, csv.size(), String.join("\n", csv));
    assertTrue(csv.get(0).startsWith("engine,phase,durability"));
    assertTrue(Files.size(only(dir.resolve("out"), ".json")) > 0);
    assertTrue(Files.size(only(dir.resolve("out"), "-throughput.png")) > 0);
    assertTrue(Files.size(only(dir.resolve("out"), "-p99.png")) > 0);
    assertTrue(Files.notExists(dir.resolve("work").resolve("lmdb")), "stores are deleted");
    String json = Files.readString(only(dir.resolve("out"), ".json"));
    assertTrue(
        json.contains(
            "compare --engines memory,lmdb,rocksdb --keys 3000 --value-size 100 --durability SYNC"
                + " --batch 100 --threads 2 --seconds 0.2"),
        json);
    assertTrue(json.contains("--in-process"), json);
    assertTrue(json.contains("--seed 1"), json);
  }

  @Test
  void compareForked_runsEachEngineInAChildJvm_andAssemblesItsRows() throws IOException {
    int code =
        execute(
            dir,
            "compare",
            "--engines",
            "memory,btree",
            "--keys",
            "2000",
            "--seconds",
            "0.1",
            "--warmup-seconds",
            "0.05",
            "--warmup-passes",
            "2",
            "--threads",
            "2",
            "--jvm-args",
            "-Xmx256m -XX:+UseSerialGC",
            "--seed",
            "5");
    assertEquals(0, code);
    List<String> csv = Files.readAllLines(only(dir.resolve("out"), ".csv"));
    assertEquals(1 + 2 * 6, csv.size(), String.join("\n", csv));
    List<String> header = List.of(csv.get(0).split(","));
    int engine = header.indexOf("engine");
    int phase = header.indexOf("phase");
    int entries = header.indexOf("entries");
    int heap = header.indexOf("heapBytes");
    int peak = header.indexOf("peakRssBytes");
    for (String line : csv.subList(1, csv.size())) {
      String[] cells = line.split(",");
      assertTrue(Long.parseLong(cells[heap]) > 0, line);
      assertTrue(Long.parseLong(cells[peak]) > 0, line);
      if (cells[phase].equals("load")) {
        assertEquals("2000", cells[entries], line);
      }
    }
    assertEquals("memory", csv.get(1).split(",")[engine]);
    assertEquals("btree", csv.get(7).split(",")[engine]);
    String json = Files.readString(only(dir.resolve("out"), ".json"));
    assertTrue(json.contains("--jvm-args '-Xmx256m -XX:+UseSerialGC'"), json);
    assertTrue(json.contains("--warmup-seconds 0.05"), json);
    assertTrue(json.contains("--warmup-passes 2"), json);
    assertTrue(Files.size(only(dir.resolve("out"), "-throughput.png")) > 0);
    try (var left = Files.list(dir.resolve("work"))) {
      assertEquals(List.of(), left.toList(), "stores, warm-up stores and row files are deleted");
    }
  }

  @Test
  void compareForked_childJvmThatCannotStart_isReported_andExitsWithOne() {
    int code =
        execute(
            dir,
            "compare",
            "--engines",
            "memory",
            "--keys",
            "2000",
            "--seconds",
            "0.1",
            "--jvm-args",
            "-Xmx1m");
    assertEquals(1, code);
    assertTrue(Files.notExists(dir.resolve("out")), "no rows, no result files");
  }

  @Test
  void compareForked_failingEngine_isReported_whileTheOthersAreMeasured() throws IOException {
    int code =
        execute(
            dir,
            "compare",
            "--engines",
            "btree,memory",
            "--keys",
            "2000",
            "--seconds",
            "0.1",
            "--warmup-seconds",
            "0",
            "--set",
            "btree.freelist=nosuch",
            "--jvm-args",
            "-Xmx128m");
    assertEquals(1, code);
    List<String> csv = Files.readAllLines(only(dir.resolve("out"), ".csv"));
    assertEquals(1 + 6, csv.size(), String.join("\n", csv));
    assertTrue(csv.subList(1, csv.size()).stream().allMatch(l -> l.startsWith("memory,")));
  }

  @Test
  void compare_withDurabilityNoSync_andBatchOne_runs() {
    int code =
        execute(
            dir,
            "compare",
            "--engines",
            "rocksdb",
            "--keys",
            "2000",
            "--seconds",
            "0.1",
            "--batch",
            "1",
            "--warmup-seconds",
            "0.1",
            "--warmup-passes",
            "1",
            "--durability",
            "no_sync");
    assertEquals(0, code);
  }

  @Test
  void compare_unknownEngine_exitsWithOne() {
    int code = execute(dir, "compare", "--engines", "nosuch");
    assertEquals(1, code);
  }

  @Test
  void compare_tooFewKeys_exitsWithOne() {
    assertEquals(1, execute(dir, "compare", "--engines", "memory", "--keys", "10"));
  }

  @Test
  void badOption_exitsWithTwo() {
    assertEquals(2, StrataBench.execute("compare", "--no-such-option"));
  }

  @Test
  void scale_writesOneDualAxisChartPerEngine() throws IOException {
    int code =
        execute(
            dir,
            "scale",
            "--engines",
            "memory,rocksdb",
            "--sizes",
            "256KiB,512KiB",
            "--value-size",
            "100",
            "--read-samples",
            "200",
            "--write-samples",
            "20",
            "--durability",
            "NO_SYNC",
            "--seed",
            "3");
    assertEquals(0, code);
    List<String> csv = Files.readAllLines(only(dir.resolve("out"), ".csv"));
    assertEquals(1 + 2 * 2, csv.size(), String.join("\n", csv));
    assertTrue(Files.size(only(dir.resolve("out"), "-rocksdb.png")) > 0);
    assertTrue(Files.size(only(dir.resolve("out"), "-memory.png")) > 0);
  }

  @Test
  void freelistStall_runsEachFreelistSetting_andReportsBoth() throws IOException {
    // The memory engine ignores btree.* settings, which is enough to exercise the harness.
    int code =
        execute(
            dir,
            "freelist-stall",
            "--engine",
            "memory",
            "--keys",
            "2000",
            "--value-size",
            "64",
            "--clients",
            "8",
            "--puts",
            "200",
            "--rate",
            "5000");
    assertEquals(0, code);
    List<String> csv = Files.readAllLines(only(dir.resolve("out"), ".csv"));
    assertEquals(3, csv.size(), String.join("\n", csv));
    assertTrue(csv.get(1).contains(",array,") && csv.get(2).contains(",hash,"));
  }
}
