package dev.strata.api.reliability;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.strata.api.Durability;
import dev.strata.api.EngineOptions;
import dev.strata.api.StorageEngine;
import dev.strata.api.StorageEngines;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Process-kill harness every persistent engine runs through a one-line subclass:
 *
 * <pre>{@code
 * class BTreeKillTest extends ProcessKillHarness {
 *   @Override protected String engine() { return "btree"; }
 * }
 * }</pre>
 *
 * <p>A child JVM runs {@link KillWorkload} and prints {@code ACK n} after each {@code commit()}
 * returned. The parent kills it with SIGKILL ({@link Process#destroyForcibly()}) at a seeded random
 * moment: usually a random delay after the store opened, sometimes before, so kills also land in
 * JVM start-up and in recovery. After each kill it reopens the store and checks that {@link
 * StorageEngine#verifyIntegrity()} passes, that every acknowledged transaction is present, that no
 * transaction is partially present ({@link KillWorkload#check}), and that the store accepts a new
 * write; the next child then continues the workload on the same store, so kills stack up.
 *
 * <p>Sizes: {@code -Dstrata.crash.iterations} (20 in CI, 1,000 under {@code -Preliability}); the
 * NO_SYNC run does a quarter of them (a process kill loses nothing under NO_SYNC either, only a
 * power loss may). Seed: printed; rerun with {@code -Dstrata.test.seed=N}.
 */
@Tag("crash")
public abstract class ProcessKillHarness {
  private static final long READY_TIMEOUT_SECONDS = 120;

  @TempDir Path dir;

  /**
   * Returns the engine name passed to {@link StorageEngines#open}.
   *
   * @return the engine name
   */
  protected abstract String engine();

  /**
   * Returns engine settings for the child and for reopening, for example small segments or buffers
   * so that rollover and flushes happen within a short run.
   *
   * @return settings; none by default
   */
  protected Map<String, String> settings() {
    return Map.of();
  }

  @Test
  void syncCommits_surviveRepeatedKill9() throws Exception {
    run(Durability.SYNC, Integer.getInteger("strata.crash.iterations", 20));
  }

  @Test
  void noSyncCommits_surviveRepeatedKill9() throws Exception {
    run(Durability.NO_SYNC, Math.max(1, Integer.getInteger("strata.crash.iterations", 20) / 4));
  }

  private void run(Durability durability, int iterations) throws Exception {
    long seed = seed();
    String label = engine() + "/" + durability;
    System.out.println(
        "ProcessKillHarness "
            + label
            + " seed "
            + seed
            + " (rerun with -Dstrata.test.seed="
            + seed
            + ")");
    SplittableRandom random = new SplittableRandom(seed);
    Path store = dir.resolve("store");
    long maxAcked = -1;
    long killsAfterAck = 0;
    long killsBeforeReady = 0;
    long recoveredTotal = 0;
    for (int i = 0; i < iterations; i++) {
      boolean early = random.nextInt(10) == 0;
      int delayMillis = early ? random.nextInt(1500) : random.nextInt(400);
      long acked = runAndKill(store, durability, early, delayMillis, label + " kill " + i);
      if (acked < 0 && early) {
        killsBeforeReady++;
      }
      if (acked >= 0) {
        killsAfterAck++;
      }
      maxAcked = Math.max(maxAcked, acked);
      try (StorageEngine e = StorageEngines.open(engine(), store, options(durability))) {
        e.verifyIntegrity();
        long last;
        try {
          last = KillWorkload.check(e);
        } catch (AssertionError err) {
          throw new AssertionError(
              label + " kill " + i + " (seed " + seed + "): " + err.getMessage(), err);
        }
        assertTrue(
            last >= maxAcked,
            label
                + " kill "
                + i
                + " (seed "
                + seed
                + "): txn "
                + maxAcked
                + " was acknowledged but the store recovered to "
                + last);
        recoveredTotal = Math.max(recoveredTotal, last + 1);
        byte[] probe = ("probe-" + i).getBytes(StandardCharsets.US_ASCII);
        e.put("m/probe".getBytes(StandardCharsets.US_ASCII), probe);
        assertArrayEquals(probe, e.get("m/probe".getBytes(StandardCharsets.US_ASCII)));
      }
      if ((i + 1) % 50 == 0) {
        System.out.println(
            "RELIABILITY progress kill engine="
                + engine()
                + " durability="
                + durability
                + " kills="
                + (i + 1)
                + " killsAfterAck="
                + killsAfterAck
                + " lastAcked="
                + maxAcked
                + " ackedLost=0 corruptions=0 seed="
                + seed);
      }
    }
    try (StorageEngine e = StorageEngines.open(engine(), store, options(durability))) {
      e.verifyIntegrity();
      assertEquals(KillWorkload.check(e), KillWorkload.last(e));
    }
    System.out.println(
        "RELIABILITY kill engine="
            + engine()
            + " durability="
            + durability
            + " kills="
            + iterations
            + " killsAfterAck="
            + killsAfterAck
            + " killsBeforeReady="
            + killsBeforeReady
            + " txnsCommitted="
            + recoveredTotal
            + " lastAcked="
            + maxAcked
            + " ackedLost=0 corruptions=0 seed="
            + seed);
  }

  private EngineOptions options(Durability durability) {
    EngineOptions.Builder b = EngineOptions.builder().durability(durability);
    settings().forEach(b::set);
    return b.build();
  }

  /** Starts a child, kills it after the chosen delay and returns the highest ACK it printed. */
  private long runAndKill(
      Path store, Durability durability, boolean early, int delayMillis, String label)
      throws Exception {
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m",
                "-XX:TieredStopAtLevel=1",
                "-Xshare:auto",
                "-cp",
                System.getProperty("java.class.path"),
                KillWorkload.class.getName(),
                engine(),
                store.toString(),
                durability.name()));
    settings().forEach((k, v) -> command.add(k + "=" + v));
    Path stderr = Files.createTempFile(dir, "child", ".err");
    Process p = new ProcessBuilder(command).redirectError(stderr.toFile()).start();
    AtomicLong acked = new AtomicLong(-1);
    Object ready = new Object();
    boolean[] isReady = {false};
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(
                      new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                  if (line.startsWith("ACK ")) {
                    // A kill can cut the last line short; a cut number is only ever smaller.
                    acked.accumulateAndGet(Long.parseLong(line.substring(4)), Math::max);
                  } else if (line.startsWith("READY ")) {
                    synchronized (ready) {
                      isReady[0] = true;
                      ready.notifyAll();
                    }
                  }
                }
              } catch (Exception ignored) {
                // The pipe breaks when the child is killed.
              }
            });
    reader.setDaemon(true);
    reader.start();
    if (!early) {
      synchronized (ready) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(READY_TIMEOUT_SECONDS);
        while (!isReady[0] && p.isAlive() && System.nanoTime() < deadline) {
          ready.wait(50);
        }
      }
    }
    Thread.sleep(delayMillis);
    if (!p.isAlive()) {
      fail(
          label
              + ": the child exited by itself with "
              + p.exitValue()
              + ":\n"
              + Files.readString(stderr));
    }
    if (!early && !isReady[0]) {
      p.destroyForcibly().waitFor();
      fail(
          label
              + ": the child did not open the store within "
              + READY_TIMEOUT_SECONDS
              + " s:\n"
              + Files.readString(stderr));
    }
    p.destroyForcibly();
    p.waitFor();
    reader.join(TimeUnit.SECONDS.toMillis(30));
    Files.deleteIfExists(stderr);
    return acked.get();
  }

  private static long seed() {
    String fixed = System.getProperty("strata.test.seed", "").trim();
    return fixed.isEmpty() ? System.nanoTime() : Long.parseLong(fixed);
  }
}
