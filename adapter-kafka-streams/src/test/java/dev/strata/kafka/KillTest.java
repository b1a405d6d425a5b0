package dev.strata.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.tck.reliability.ChildProcess;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code kill -9} of a child JVM ({@link KillWorkload}) in the middle of processing, repeated on
 * one store: after each kill the reopened store's committed offset is never ahead of its data
 * (every record up to the offset is in the store), and no acknowledged commit is lost. Engines run
 * under the adapter's default {@code NO_SYNC} and under {@code SYNC}: a killed process loses no
 * acknowledged commit under either, because {@code NO_SYNC} commits reached the operating system
 * before the commit returned (a power loss, which this test does not simulate, may lose recent
 * commits under {@code NO_SYNC}: data and offsets together). The same test runs against Kafka's
 * RocksDB store. Kills per store: {@code strata.crash.iterations / 5}, at least 3 (4 in CI, 200
 * under {@code -Preliability}). Seed printed; {@code -Dstrata.test.seed=N} replays the kill times.
 *
 * <p>The default build runs the adapter's default durability ({@code NO_SYNC}) and Kafka's store;
 * the {@code SYNC} runs, which add an fsync per commit and nothing the kill can tell apart, are in
 * the {@code soak} group that only {@code -Preliability} runs.
 */
@Tag("crash")
class KillTest {
  @TempDir Path stateDir;

  @ParameterizedTest
  @ValueSource(strings = {"kafka-rocksdb", "btree", "lsm", "ledger"})
  void kill9_midProcessing_neverLeavesOffsetsAheadOfData(String kind) throws Exception {
    killRepeatedly(kind);
  }

  @Tag("soak")
  @ParameterizedTest
  @ValueSource(strings = {"btree:SYNC", "lsm:SYNC", "ledger:SYNC"})
  void kill9_midProcessingUnderSync_neverLeavesOffsetsAheadOfData(String kind) throws Exception {
    killRepeatedly(kind);
  }

  private void killRepeatedly(String kind) throws Exception {
    String fixed = System.getProperty("strata.test.seed", "").trim();
    long seed = fixed.isEmpty() ? System.nanoTime() : Long.parseLong(fixed);
    System.out.println("KillTest " + kind + " seed " + seed);
    SplittableRandom random = new SplittableRandom(seed);
    int kills = Math.max(3, Integer.getInteger("strata.crash.iterations", 20) / 5);
    long lastAcked = -1;
    for (int round = 0; round < kills; round++) {
      lastAcked = Math.max(lastAcked, killOnce(kind, 100 + random.nextInt(500)));
      check(kind, lastAcked, seed);
    }
  }

  /** Runs a child until it acknowledged a commit, lets it go on a while, kills it. */
  private long killOnce(String kind, int delayMillis) throws IOException, InterruptedException {
    Process child =
        new ProcessBuilder(
                ChildProcess.command(
                    KillWorkload.class,
                    List.of("-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"),
                    kind,
                    stateDir.toString()))
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    AtomicLong acked = new AtomicLong(-1);
    Object firstAck = new Object();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(
                      new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                  if (line.startsWith("ACK ")) {
                    acked.set(Long.parseLong(line.substring(4)));
                    synchronized (firstAck) {
                      firstAck.notifyAll();
                    }
                  }
                }
              } catch (IOException e) {
                // The child was killed.
              }
            });
    reader.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    synchronized (firstAck) {
      while (acked.get() < 0 && System.nanoTime() < deadline && child.isAlive()) {
        firstAck.wait(100);
      }
    }
    assertTrue(acked.get() >= 0, "child acknowledged no commit");
    Thread.sleep(delayMillis);
    child.destroyForcibly();
    child.waitFor();
    reader.join(5_000);
    return acked.get();
  }

  private void check(String kind, long lastAcked, long seed) {
    KeyValueStore<String, Long> store = KillWorkload.open(kind, stateDir.toFile());
    try {
      Long committed = store.committedOffset(KillWorkload.CHANGELOG);
      if (kind.startsWith("kafka")) {
        // Kafka's RocksDB store disables RocksDB's write-ahead log: a kill may take data and
        // offsets back to the last memtable flush (or to nothing), and the changelog repairs it.
        if (committed == null) {
          return;
        }
      } else {
        assertNotNull(committed, kind + ": no committed offset; seed " + seed);
        assertTrue(
            committed >= lastAcked,
            kind + ": acknowledged offset " + lastAcked + " lost, store has " + committed);
      }
      // Every record up to the committed offset is in the store: each key holds at least the
      // last record that wrote it.
      for (long i = Math.max(0, committed - KillWorkload.KEYS + 1); i <= committed; i++) {
        Long value = store.get(KillWorkload.key(i));
        assertNotNull(value, kind + ": record " + i + " missing below offset " + committed);
        assertTrue(
            value >= i,
            kind
                + ": offset "
                + committed
                + " ahead of data: key "
                + KillWorkload.key(i)
                + " holds "
                + value
                + "; seed "
                + seed);
        if (!kind.startsWith("kafka")) {
          assertEquals(i, value, kind + ": data and offset commit together");
        }
      }
    } finally {
      store.close();
    }
  }
}
