package dev.strata.bench.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.EngineOptions;
import dev.strata.api.StorageEngine;
import dev.strata.api.StorageEngines;
import dev.strata.bench.Keys;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PhaseRunnerTest {
  @Test
  void run_stopsAtMaxOps_acrossThreads_andCountsEntries() {
    PhaseRunner.Stats stats =
        PhaseRunner.run("t", 3, 1000, Double.MAX_VALUE, 0, 1, (i, random) -> 2);
    assertEquals(1000, stats.ops());
    assertEquals(2000, stats.entries());
    assertEquals(1000, stats.latencyNanos().getTotalCount());
  }

  @Test
  void inBatches_commitsEveryIdOnce_inBatchSizedCommits(@TempDir Path dir) {
    try (StorageEngine db = StorageEngines.open("memory", dir, EngineOptions.defaults())) {
      PhaseRunner.Stats stats =
          PhaseRunner.inBatches(
              "load",
              db,
              10,
              2_510,
              1000,
              1,
              (txn, id, random) -> txn.put(Keys.key(id), Keys.value(random, 8)));
      assertEquals(3, stats.ops(), "commits");
      assertEquals(2_500, stats.entries());
      assertEquals(2_500, db.stats().get("keys").longValue());
      assertNotNull(db.get(Keys.key(10)));
      assertNotNull(db.get(Keys.key(2_509)));
      assertNull(db.get(Keys.key(9)));
      assertNull(db.get(Keys.key(2_510)));
    }
  }

  @Test
  void run_withRateCap_stillRunsEveryOperation() {
    PhaseRunner.Stats stats =
        PhaseRunner.run("t", 4, 50, Double.MAX_VALUE, 10_000, 1, (i, random) -> 1);
    assertEquals(50, stats.ops());
  }

  @Test
  void run_failingOperation_throwsWithTheCause() {
    BenchException e =
        assertThrows(
            BenchException.class,
            () ->
                PhaseRunner.run(
                    "boom",
                    2,
                    100,
                    Double.MAX_VALUE,
                    0,
                    1,
                    (i, random) -> {
                      throw new IllegalStateException("engine broke");
                    }));
    assertTrue(e.getMessage().contains("engine broke"), e.getMessage());
  }

  @Test
  void systemProbe_countsWriteSyscallBytes(@TempDir Path dir) throws Exception {
    SystemProbe.Io before = SystemProbe.io();
    Files.write(dir.resolve("f"), new byte[1 << 20]);
    SystemProbe.Io delta = SystemProbe.io().minus(before);
    if (before.syscallBytes() >= 0) {
      assertTrue(delta.syscallBytes() >= 1 << 20, "wchar delta " + delta.syscallBytes());
    }
    assertEquals(1 << 20, SystemProbe.directoryBytes(dir));
  }

  @Test
  void systemProbe_countsTheDevicesWriteRequests_ofASyncedFile(@TempDir Path dir) throws Exception {
    SystemProbe.DeviceWrites before = SystemProbe.deviceWrites(dir);
    Assumptions.assumeTrue(before.requests() >= 0, "no block device behind " + dir);
    ByteBuffer data = ByteBuffer.allocate(1 << 20);
    new SplittableRandom(7).nextBytes(data.array());
    try (FileChannel ch =
        FileChannel.open(dir.resolve("f"), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      ch.write(data, 0);
      ch.force(true);
    }
    SystemProbe.DeviceWrites delta = SystemProbe.deviceWrites(dir).minus(before);
    assertTrue(delta.requests() >= 1, "write requests " + delta.requests());
    assertTrue(delta.bytes() >= 1 << 20, "bytes " + delta.bytes());
  }
}
