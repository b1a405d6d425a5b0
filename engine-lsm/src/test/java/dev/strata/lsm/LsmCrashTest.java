package dev.strata.lsm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.Cursor;
import dev.strata.api.Durability;
import dev.strata.api.KeyRange;
import dev.strata.api.ReadTxn;
import dev.strata.api.StorageEngine;
import dev.strata.api.StorageEngines;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a writer process with SIGKILL at random points and checks, after each reopen, that every
 * acknowledged SYNC commit is present and that no transaction is half there. The same store is
 * reused across iterations, so recovery of an already-recovered store is exercised too.
 */
@Tag("crash")
class LsmCrashTest {
  private static final int ITERATIONS = Integer.getInteger("strata.crash.iterations", 20);

  @TempDir Path dir;

  @Test
  void commit_afterKill9_keepsEveryAcknowledgedTxn_andNoPartialOne() throws Exception {
    run(Durability.SYNC, ITERATIONS);
  }

  /**
   * NO_SYNC promises no durability of recent commits, only an intact store: the check here is
   * that every reopen finds whole transactions 0..n-1 and passes verifyIntegrity.
   */
  @Test
  void noSyncCommit_afterKill9_leavesAnIntactPrefixOfWholeTxns() throws Exception {
    run(Durability.NO_SYNC, Math.max(1, ITERATIONS / 4));
  }

  private void run(Durability durability, int iterations) throws Exception {
    String property = System.getProperty("strata.test.seed", "");
    long seed = property.isBlank() ? System.nanoTime() : Long.parseLong(property);
    System.out.println("LsmCrashTest " + durability + " seed=" + seed
        + " (rerun with -Dstrata.test.seed=" + seed + ")");
    SplittableRandom random = new SplittableRandom(seed);
    Path store = dir.resolve("store-" + durability);
    long present = 0;
    for (int iteration = 0; iteration < iterations; iteration++) {
      int acksBeforeKill = 1 + random.nextInt(300);
      long lastAck = runAndKill(store, present, acksBeforeKill, durability);
      String context = durability + " seed=" + seed + " iteration=" + iteration
          + " lastAck=" + lastAck;
      present = checkStore(store, durability == Durability.SYNC ? lastAck : -1, context);
    }
  }

  private static long runAndKill(Path store, long first, int acksBeforeKill,
      Durability durability) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new ArrayList<>(List.of(java, "-cp",
        System.getProperty("java.class.path"), CrashWriter.class.getName(), store.toString(),
        Long.toString(first), durability.name()));
    ProcessBuilder pb = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
    Process process = pb.start();
    long lastAck = first - 1;
    try (BufferedReader out = new BufferedReader(
        new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII))) {
      int acks = 0;
      String line;
      while (acks < acksBeforeKill && (line = out.readLine()) != null) {
        if (line.startsWith("ACK ")) {
          lastAck = Long.parseLong(line.substring(4));
          acks++;
        }
      }
      // Killed while it is committing more: acks it printed after our last read are not checked
      // (destroyForcibly closes the pipe), but their transactions must still be whole or absent.
      process.destroyForcibly();
    } finally {
      process.destroyForcibly();
      assertTrue(process.waitFor(60, TimeUnit.SECONDS), "writer did not die");
    }
    return lastAck;
  }

  /**
   * Returns how many transactions are present; fails unless they are exactly 0..n-1, whole, and
   * include {@code lastAck} (pass -1 to skip that check).
   */
  private static long checkStore(Path store, long lastAck, String context) {
    try (StorageEngine engine = StorageEngines.open("lsm", store)) {
      engine.verifyIntegrity();
      long count = 0;
      try (ReadTxn r = engine.beginRead(); Cursor c = r.cursor(KeyRange.prefix(new byte[] {'a'}))) {
        while (c.next()) {
          assertArrayEquals(CrashWriter.key("a", count), c.key(), context + ": gap at " + count);
          assertArrayEquals(CrashWriter.value(count), c.value(), context + ": value " + count);
          byte[] partner = r.get(CrashWriter.key("b", count));
          assertNotNull(partner, context + ": half of txn " + count + " is missing");
          assertArrayEquals(CrashWriter.value(count), partner, context);
          count++;
        }
        long bCount = 0;
        try (Cursor cb = r.cursor(KeyRange.prefix(new byte[] {'b'}))) {
          while (cb.next()) {
            bCount++;
          }
        }
        assertEquals(count, bCount, context + ": unmatched b keys");
      }
      assertTrue(count >= lastAck + 1,
          context + ": acknowledged txn " + lastAck + " lost; only " + count + " present");
      return count;
    }
  }
}
