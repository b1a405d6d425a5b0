package dev.strata.ledger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.EngineOptions;
import java.io.BufferedReader;
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
 * Kill -9 mid-commit: a child JVM commits under {@code SYNC} and acknowledges each commit; the
 * parent kills it at a random moment, reopens the store and checks that every acknowledged
 * transaction is present, the torn tail is gone and the whole chain verifies. The same store is
 * reused across iterations, so recovery runs on top of earlier recoveries.
 */
@Tag("crash")
class CrashTest {
  private static final int ITERATIONS = Integer.getInteger("strata.crash.iterations", 20);

  @TempDir Path dir;

  @Test
  void commit_afterKill9_keepsEveryAcknowledgedTxnAndAValidChain() throws Exception {
    long seed = Long.getLong("strata.test.seed", System.nanoTime());
    System.out.println("CrashTest seed " + seed + " (rerun with -Dstrata.test.seed=" + seed + ")");
    SplittableRandom random = new SplittableRandom(seed);
    Path store = dir.resolve("store");
    List<Integer> ackedPerRun = new ArrayList<>();
    for (int run = 0; run < ITERATIONS; run++) {
      int stopAfter = 1 + random.nextInt(80);
      Process child = new ProcessBuilder(
          Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-cp", System.getProperty("java.class.path"),
          CrashWriter.class.getName(), store.toString(), Integer.toString(run))
          .redirectError(ProcessBuilder.Redirect.DISCARD)
          .start();
      int acked = -1;
      try (BufferedReader out = new BufferedReader(
          new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = out.readLine()) != null) {
          if (line.startsWith("ACK ")) {
            acked = Integer.parseInt(line.substring(4));
            if (acked + 1 >= stopAfter) {
              break;
            }
          }
        }
        if (random.nextBoolean()) {
          Thread.sleep(random.nextInt(5));
        }
        child.destroyForcibly();
        assertTrue(child.waitFor(30, TimeUnit.SECONDS), "child did not die");
      }
      ackedPerRun.add(acked);
      try (LedgerEngine engine = LedgerEngine.open(store, EngineOptions.defaults())) {
        engine.verifyIntegrity();
        for (int r = 0; r <= run; r++) {
          for (int txn = 0; txn <= ackedPerRun.get(r); txn++) {
            int deleter = txn + 5;
            boolean deletedLater = deleter <= ackedPerRun.get(r) && deleter % 5 == 0;
            // Txns after the last ACK we read may have committed before the kill: either outcome.
            boolean maybeDeleted = deleter > ackedPerRun.get(r) && deleter % 5 == 0;
            for (int i = 0; i < CrashWriter.keysIn(txn); i++) {
              byte[] got = engine.get(CrashWriter.key(r, txn, i));
              String what = "seed " + seed + ", run " + r + ", txn " + txn + ", key " + i;
              if (i == 0 && maybeDeleted && got == null) {
                continue;
              }
              if (i == 0 && deletedLater) {
                assertNull(got, what + " was deleted by an acknowledged txn");
              } else {
                assertArrayEquals(CrashWriter.value(r, txn, i), got, what);
              }
            }
          }
        }
        LedgerDigest d = engine.digest();
        assertEquals(d.size(), engine.stats().get("entries").longValue());
        engine.verify(d);
      }
    }
    System.out.println("CrashTest: " + ITERATIONS + " kills, acknowledged txns per run "
        + ackedPerRun);
  }
}
