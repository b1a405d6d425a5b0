package dev.strata.tck.reliability;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrowsExactly;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.strata.api.Durability;
import dev.strata.api.EngineOptions;
import dev.strata.api.StorageEngine;
import dev.strata.api.StorageEngines;
import dev.strata.api.StoreLockedException;
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
 * moment: usually a random delay after the store opened, one time in ten a random delay after it
 * told the child to open the store, so kills also land in opening and recovery. Each child is
 * started while the previous one runs and waits for the word to open the store ({@link KillChild}),
 * so its JVM start-up overlaps the previous child's run and the check of its kill. After each kill
 * it reopens the store and checks that {@link StorageEngine#verifyIntegrity()} passes, that every
 * acknowledged transaction is present, that no transaction is partially present ({@link
 * KillWorkload#check}), and that the store accepts a new write; the next child then continues the
 * workload on the same store, so kills stack up.
 *
 * <p>Sizes: {@code -Dstrata.crash.iterations} (20 in CI, 1,000 under {@code -Preliability}); the
 * NO_SYNC run does a quarter of them (a process kill loses nothing under NO_SYNC either, only a
 * power loss may). Seed: printed; rerun with {@code -Dstrata.test.seed=N}.
 */
@Tag("crash")
public abstract class ProcessKillHarness extends EngineHarness {
  private static final long READY_TIMEOUT_SECONDS = 120;
  private static final int EARLY_MILLIS = 600;
  private static final int LATE_MILLIS = 400;

  /** A progress line every this many kills: the figure a run stopped at a deadline reports. */
  private static final int PROGRESS_EVERY = 25;

  private static final byte[] PROBE = "m/probe".getBytes(StandardCharsets.US_ASCII);

  @TempDir Path dir;

  @Test
  void syncCommits_surviveRepeatedKill9() throws Exception {
    run(Durability.SYNC, Integer.getInteger("strata.crash.iterations", 20));
  }

  @Test
  void noSyncCommits_surviveRepeatedKill9() throws Exception {
    run(Durability.NO_SYNC, Math.max(1, Integer.getInteger("strata.crash.iterations", 20) / 4));
  }

  /**
   * A store open in this process is refused to another process in either mode, and a read-only open
   * here refuses a writer there, also after opens of the same store in this process were refused.
   * Regressions: the lsm engine took no lock for a read-only open (RocksDB takes none), so a reader
   * and a writer in two processes shared a store; and a refused second open in this process opened
   * and closed a channel to the lock file, which on Linux drops the process's lock ({@code fcntl}
   * locks belong to the process), so another process could then open the store for writing.
   */
  @Test
  void store_openHere_isRefusedToAnotherProcess_inEveryMode() throws Exception {
    Path store = dir.resolve("store");
    EngineOptions.Builder readOnly = EngineOptions.builder().readOnly(true);
    settings().forEach(readOnly::set);
    try (StorageEngine e = StorageEngines.open(engine(), store, options(Durability.SYNC, null))) {
      e.put(PROBE, PROBE);
      refusedHere(store, options(Durability.SYNC, null));
      refusedHere(store, readOnly.build());
      assertEquals("StoreLockedException", probeOpen(store, "writable"));
      assertEquals("StoreLockedException", probeOpen(store, "read-only"));
      e.put(PROBE, PROBE);
      e.verifyIntegrity();
    }
    try (StorageEngine e = StorageEngines.open(engine(), store, readOnly.build())) {
      refusedHere(store, options(Durability.SYNC, null));
      refusedHere(store, readOnly.build());
      assertEquals("StoreLockedException", probeOpen(store, "writable"));
      assertEquals("OPENED", probeOpen(store, "read-only"), "read-only opens share a store");
      assertArrayEquals(PROBE, e.get(PROBE));
    }
    assertEquals("OPENED", probeOpen(store, "writable"));
  }

  /** A second open of {@code store} in this JVM is refused while the first one is open. */
  private void refusedHere(Path store, EngineOptions options) {
    assertThrowsExactly(
        StoreLockedException.class,
        () -> StorageEngines.open(engine(), store, options).close(),
        "a second open in this process");
  }

  /** Runs {@link LockProbe} in a child JVM and returns what it printed. */
  private String probeOpen(Path store, String mode) throws Exception {
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m",
                "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC",
                "-cp",
                ChildClassPath.current(),
                LockProbe.class.getName(),
                engine(),
                store.toString(),
                mode));
    settings().forEach((k, v) -> command.add(k + "=" + v));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "lock probe did not exit");
    String[] lines = output.strip().split("\\R");
    return lines[lines.length - 1];
  }

  private void run(Durability durability, int iterations) throws Exception {
    long seed = seed();
    String label = engine() + "/" + durability;
    announce("ProcessKillHarness", iterations + " kills under " + durability, seed);
    SplittableRandom random = new SplittableRandom(seed);
    Path store = dir.resolve("store");
    long maxAcked = -1;
    long killsAfterAck = 0;
    long killsBeforeReady = 0;
    long recoveredTotal = 0;
    long started = System.nanoTime();
    KillChild next = KillChild.start(engine(), settings(), store, durability, dir);
    try {
      for (int i = 0; i < iterations; i++) {
        String kill = label + " kill " + i + " (seed " + seed + ")";
        boolean early = random.nextInt(10) == 0;
        int delayMillis = early ? random.nextInt(EARLY_MILLIS) : random.nextInt(LATE_MILLIS);
        KillChild child = next;
        child.go();
        // The next child's JVM starts while this one runs and while its kill is checked.
        next = KillChild.start(engine(), settings(), store, durability, dir);
        long acked = awaitAndKill(child, early, delayMillis, kill);
        killsBeforeReady += acked < 0 && early ? 1 : 0;
        killsAfterAck += acked >= 0 ? 1 : 0;
        maxAcked = Math.max(maxAcked, acked);
        long last = checkRecovered(store, durability, maxAcked, i, kill);
        recoveredTotal = Math.max(recoveredTotal, last + 1);
        if ((i + 1) % PROGRESS_EVERY == 0) {
          report(
              "RELIABILITY progress kill",
              durability,
              i + 1,
              "killsAfterAck=" + killsAfterAck + " lastAcked=" + maxAcked,
              started,
              seed);
        }
      }
    } finally {
      next.kill();
    }
    try (StorageEngine e = StorageEngines.open(engine(), store, options(durability, null))) {
      e.verifyIntegrity();
      assertEquals(KillWorkload.check(e), KillWorkload.last(e));
    }
    report(
        "RELIABILITY kill",
        durability,
        iterations,
        "killsAfterAck="
            + killsAfterAck
            + " killsBeforeReady="
            + killsBeforeReady
            + " txnsCommitted="
            + recoveredTotal
            + " lastAcked="
            + maxAcked,
        started,
        seed);
  }

  /** Prints one progress or summary line in the format the long-run script's summaries collect. */
  private void report(
      String label, Durability durability, long kills, String counts, long started, long seed) {
    System.out.println(
        label
            + " engine="
            + engine()
            + " durability="
            + durability
            + " kills="
            + kills
            + " "
            + counts
            + " seconds="
            + (System.nanoTime() - started) / 1_000_000_000
            + " ackedLost=0 corruptions=0 seed="
            + seed);
  }

  /**
   * Reopens the store after a kill and checks it: integrity, every acknowledged txn whole, nothing
   * partial, and a write accepted.
   *
   * @return the last transaction the store recovered to
   */
  private long checkRecovered(
      Path store, Durability durability, long maxAcked, int i, String kill) {
    try (StorageEngine e = StorageEngines.open(engine(), store, options(durability, null))) {
      e.verifyIntegrity();
      long last;
      try {
        last = KillWorkload.check(e);
      } catch (AssertionError err) {
        throw new AssertionError(kill + ": " + err.getMessage(), err);
      }
      assertTrue(
          last >= maxAcked,
          kill + ": txn " + maxAcked + " was acknowledged but the store recovered to " + last);
      byte[] probe = ("probe-" + i).getBytes(StandardCharsets.US_ASCII);
      e.put(PROBE, probe);
      assertArrayEquals(probe, e.get(PROBE));
      return last;
    }
  }

  /** Kills a running child after the chosen delay and returns the highest ACK it printed. */
  private static long awaitAndKill(KillChild child, boolean early, int delayMillis, String kill)
      throws Exception {
    if (!early && !child.awaitReady(READY_TIMEOUT_SECONDS)) {
      String why = child.failure();
      child.kill();
      fail(
          kill
              + ": the child did not open the store within "
              + READY_TIMEOUT_SECONDS
              + " s, "
              + why);
    }
    Thread.sleep(delayMillis);
    if (!child.isAlive()) {
      fail(kill + ": the child exited by itself with " + child.failure());
    }
    return child.kill();
  }
}
