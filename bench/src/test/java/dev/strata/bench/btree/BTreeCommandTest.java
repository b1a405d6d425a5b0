package dev.strata.bench.btree;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.bench.runner.StrataBench;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code strata-bench btree} modes end to end on tiny sizes, through the jar's entry point. */
class BTreeCommandTest {
  @TempDir Path dir;

  /** Runs the command line and returns {exit code, standard output}. */
  private static Object[] run(String... args) {
    PrintStream out = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    int code;
    try {
      code = StrataBench.execute(args);
    } finally {
      System.setOut(out);
    }
    String text = captured.toString(StandardCharsets.UTF_8);
    System.out.print(text);
    return new Object[] {code, text};
  }

  @Test
  void core_loadsBothStores_andReportsEveryRatio() {
    Object[] r = run("btree", "core", dir.toString(), "--keys", "2000");
    assertEquals(0, r[0]);
    String out = (String) r[1];
    assertTrue(out.startsWith("java "), out);
    assertTrue(out.contains("insert, txns of 1000 puts, SYNC (puts/s)"), out);
    assertTrue(out.contains("random point get, 1000 per read txn (gets/s)"), out);
    assertTrue(out.contains("sequential scan, full cursor (entries/s)"), out);
    assertTrue(out.contains("keys=2000"), "the btree store holds every key: " + out);
    assertTrue(Files.exists(dir.resolve("btree").resolve("data.btree")));
    assertTrue(Files.exists(dir.resolve("lmdb").resolve("data.mdb")));
  }

  @Test
  void insertPairs_oneRound_printsItsRatio_andDeletesItsStores() {
    Object[] r = run("btree", "insert-pairs", dir.toString(), "1", "--keys", "1000");
    assertEquals(0, r[0]);
    assertTrue(((String) r[1]).contains("round 0, insert"), (String) r[1]);
    assertTrue(Files.notExists(dir.resolve("btree-0")));
    assertTrue(Files.notExists(dir.resolve("lmdb-0")));
  }

  @Test
  void freelistMulti_smallStore_measuresHashEmptyAndArray() {
    Object[] r =
        run("btree", "freelist-multi", dir.toString(), "3000", "10:3", "1", "7", "no_sync");
    assertEquals(0, r[0]);
    String out = (String) r[1];
    assertTrue(out.contains("round 0 NO_SYNC 10 puts/commit"), out);
    assertTrue(out.contains("base NO_SYNC freelist=array"), out);
    assertTrue(out.contains("dense NO_SYNC freelist=hash"), out);
    assertTrue(Files.notExists(dir.resolve("work")), "the measured copy is deleted");
  }

  @Test
  void badArguments_exitWithTwo() {
    assertEquals(2, run("btree", "freelist-multi-page", dir.toString(), "3000", "10-3")[0]);
    assertEquals(
        2,
        run("btree", "freelist-multi-page", dir.toString(), "3000", "10:3", "1", "7", "FAST")[0]);
    assertEquals(2, run("btree", "nosuch", dir.toString())[0]);
    assertEquals(2, run("btree", "insert-pairs", dir.toString())[0]);
  }

  @Test
  void loadPairsAndLoadProfile_printCpuUserAndPutsPerCommit_andDeleteTheirStores() {
    Object[] pairs = run("btree", "load-pairs", dir.toString(), "1", "--keys", "3000");
    assertEquals(0, pairs[0]);
    String out = (String) pairs[1];
    assertTrue(out.contains("round 1 (btree first)"), out);
    assertTrue(out.matches("(?s).*btree .* us/commit \\(user .*, puts .*\\).*"), out);
    assertTrue(out.matches("(?s).*lmdb .* us/commit \\(user .*, puts .*\\).*"), out);
    Object[] profile = run("btree", "load-profile", dir.toString(), "2", "--keys", "3000");
    assertEquals(0, profile[0]);
    out = (String) profile[1];
    assertTrue(out.contains("round 2: btree"), out);
    assertTrue(!out.contains("lmdb"), out);
    assertTrue(Files.notExists(dir.resolve("btree")), "the loaded store is deleted");
    assertEquals(2, run("btree", "load-profile", dir.toString(), "0")[0]);
  }

  @Test
  void keysNotAMultipleOfTheTransactionSize_exitWithOne() {
    assertEquals(1, run("btree", "insert", dir.toString(), "--keys", "1500")[0]);
  }
}
