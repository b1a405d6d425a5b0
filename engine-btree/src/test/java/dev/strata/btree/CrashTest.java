package dev.strata.btree;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Kills a child JVM with SIGKILL while it commits under SYNC, then checks the store: every
 * acknowledged commit is present, no partial transaction is, and the checker is clean. CI runs
 * 10 kills per freelist kind (20 in all); {@code -Dstrata.crash.iterations=N} runs more.
 */
@Tag("crash")
class CrashTest {
  @TempDir Path dir;

  @ParameterizedTest(name = "freelist={0}")
  @ValueSource(strings = {"hash", "array"})
  void commit_afterKill9_keepsEveryAcknowledgedTxn(String freelist) throws Exception {
    SplittableRandom r = TestSupport.random("commit_afterKill9[" + freelist + "]");
    int iterations = Integer.getInteger("strata.crash.iterations", 10);
    for (int iteration = 0; iteration < iterations; iteration++) {
      long acked = runAndKill(freelist, 50 + r.nextInt(400));
      try (BTreeEngine e = TestSupport.open(dir, "btree.freelist", freelist)) {
        e.verifyIntegrity();
        byte[] lastBytes = e.get("last".getBytes());
        if (acked < 0 && lastBytes == null) {
          continue;
        }
        assertNotNull(lastBytes, "an acknowledged commit is missing");
        long last = Long.parseLong(new String(lastBytes, StandardCharsets.UTF_8));
        System.out.println("kill " + iteration + " [" + freelist + "]: last ack " + acked
            + ", recovered last " + last);
        assertTrue(last >= acked, "iteration " + iteration + ": commit " + acked
            + " was acknowledged but the store ends at " + last);
        for (long n = Math.max(0, last - 6); n <= last + 3; n++) {
          for (int j = 0; j < CrashChild.TXN_KEYS; j++) {
            byte[] v = e.get(CrashChild.key(n, j));
            if (n <= last && n > last - 3) {
              assertArrayEquals(CrashChild.value(n, j), v, "txn " + n + " key " + j);
            } else {
              assertNull(v, "txn " + n + " key " + j + " should not be visible (last " + last
                  + ")");
            }
          }
        }
      }
    }
  }

  /** Runs the child until about {@code millis} after its first ack, kills it; returns the last ack. */
  private long runAndKill(String freelist, int millis) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
        CrashChild.class.getName(), dir.toString(), freelist))
        .redirectError(ProcessBuilder.Redirect.DISCARD)
        .start();
    AtomicLong acked = new AtomicLong(-1);
    Object firstAck = new Object();
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(
          new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null) {
          if (line.startsWith("ACK ")) {
            acked.set(Long.parseLong(line.substring(4)));
            synchronized (firstAck) {
              firstAck.notifyAll();
            }
          }
        }
      } catch (Exception ignored) {
        // The pipe breaks when the child is killed.
      }
    });
    reader.start();
    synchronized (firstAck) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (acked.get() < 0 && p.isAlive() && System.nanoTime() < deadline) {
        firstAck.wait(50);
      }
    }
    Thread.sleep(millis);
    p.destroyForcibly();
    p.waitFor();
    reader.join();
    return acked.get();
  }
}
