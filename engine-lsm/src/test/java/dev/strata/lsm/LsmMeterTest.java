package dev.strata.lsm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.EngineOptions;
import dev.strata.api.StorageEngines;
import dev.strata.api.WriteAmplificationMeter;
import dev.strata.api.WriteTxn;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LsmMeterTest {
  @TempDir Path dir;

  /** Incompressible values, so physical bytes cannot dip below logical through compression. */
  private static final EngineOptions UNCOMPRESSED =
      EngineOptions.builder().set("lsm.compression", "none").build();

  @Test
  void logicalBytes_matchHandComputedTotal_rollbacksAddNothing() {
    try (LsmEngine e = (LsmEngine) StorageEngines.open("lsm", dir, UNCOMPRESSED)) {
      e.put(new byte[3], new byte[10]); // 13
      e.delete(new byte[4]); // 4, even though absent
      try (WriteTxn w = e.beginWrite()) {
        w.put(new byte[5], new byte[7]); // 12
        w.put(new byte[5], new byte[1]); // 6: every put call counts
        w.delete(new byte[2]); // 2
        w.commit();
      }
      try (WriteTxn w = e.beginWrite()) {
        w.put(new byte[100], new byte[100]);
        w.rollback();
      }
      assertEquals(13 + 4 + 12 + 6 + 2, e.meter().logicalBytes());
    }
  }

  @Test
  void physicalBytes_atLeastLogical_afterFlushAndCompaction_syncsCounted() {
    SplittableRandom random = new SplittableRandom(42);
    try (LsmEngine e = (LsmEngine) StorageEngines.open("lsm", dir, UNCOMPRESSED)) {
      WriteAmplificationMeter meter = e.meter();
      for (int round = 0; round < 3; round++) {
        try (WriteTxn w = e.beginWrite()) {
          for (int i = 0; i < 2000; i++) {
            byte[] value = new byte[200];
            random.nextBytes(value);
            w.put(String.format("key%06d", i).getBytes(), value);
          }
          w.commit();
        }
        e.flush();
      }
      long afterFlushes = meter.physicalBytes();
      e.compactRange();
      long logical = meter.logicalBytes();
      assertEquals(3L * 2000 * (9 + 200), logical);
      // WAL once + flush once: already at least twice the logical bytes.
      assertTrue(afterFlushes >= 2 * logical, afterFlushes + " vs " + logical);
      assertTrue(meter.physicalBytes() > afterFlushes, "compaction output is counted");
      assertTrue(meter.syncs() >= 3, "one WAL sync per SYNC commit: " + meter.syncs());
      assertTrue(meter.amplification() >= 1.0);
    }
  }

  @Test
  void heldMeter_seesBackgroundFlushes_withoutCallingMeterAgain() throws Exception {
    EngineOptions small = UNCOMPRESSED.toBuilder().set("lsm.writeBufferBytes", "1MiB").build();
    try (LsmEngine e = (LsmEngine) StorageEngines.open("lsm", dir, small)) {
      WriteAmplificationMeter held = e.meter();
      for (int batch = 0; batch < 8; batch++) {
        try (WriteTxn w = e.beginWrite()) {
          for (int i = 0; i < 500; i++) {
            w.put(String.format("k%02d%05d", batch, i).getBytes(), new byte[1000]);
          }
          w.commit();
        }
      }
      // RocksDB flushes full memtables on its own threads; the listener must move those bytes in.
      long deadline = System.nanoTime() + 30_000_000_000L;
      long flushed = 0;
      while (System.nanoTime() < deadline) {
        Map<String, Number> stats = e.stats();
        flushed = stats.get("flushBytes").longValue();
        long expected =
            stats.get("walBytes").longValue() + flushed + stats.get("compactionBytes").longValue();
        if (flushed > 0 && held.physicalBytes() >= expected) {
          break;
        }
        Thread.sleep(20);
      }
      assertTrue(flushed > 0, "no background flush happened");
      Map<String, Number> stats = e.stats();
      assertTrue(
          held.physicalBytes() >= stats.get("walBytes").longValue() + flushed,
          held + " vs " + stats);
    }
  }

  @Test
  void twoEnginesOpenAtOnce_keepSeparateMeters() {
    try (LsmEngine a = (LsmEngine) StorageEngines.open("lsm", dir.resolve("a"), UNCOMPRESSED);
        LsmEngine b = (LsmEngine) StorageEngines.open("lsm", dir.resolve("b"), UNCOMPRESSED)) {
      // Creating a store syncs its MANIFEST; the commits' WAL syncs come on top.
      long openSyncsA = a.meter().syncs();
      long openSyncsB = b.meter().syncs();
      for (int i = 0; i < 100; i++) {
        a.put(("k" + i).getBytes(), new byte[1000]);
      }
      b.put("only".getBytes(), new byte[1]);
      assertEquals(1, b.meter().syncs() - openSyncsB);
      assertEquals(100, a.meter().syncs() - openSyncsA);
      a.flush();
      b.flush();
      assertEquals(5, b.meter().logicalBytes());
      assertTrue(b.meter().physicalBytes() < 10_000, "b: " + b.meter());
      assertTrue(a.meter().physicalBytes() > 200_000, "a: " + a.meter());
      long flushSyncsOfB = b.meter().syncs() - openSyncsB - 1;
      assertTrue(flushSyncsOfB >= 1, "the flushed table is synced: " + b.meter());
      assertEquals(
          openSyncsA + 100 + flushSyncsOfB,
          a.meter().syncs(),
          "a's flush syncs as many files as b's");
    }
  }

  @Test
  void noSync_commitsDoNotFsync() {
    EngineOptions noSync =
        UNCOMPRESSED.toBuilder().durability(dev.strata.api.Durability.NO_SYNC).build();
    try (LsmEngine e = (LsmEngine) StorageEngines.open("lsm", dir, noSync)) {
      long openSyncs = e.meter().syncs();
      assertTrue(openSyncs >= 1, "creating the store syncs its MANIFEST: " + e.meter());
      for (int i = 0; i < 50; i++) {
        e.put(("k" + i).getBytes(), new byte[10]);
      }
      assertEquals(openSyncs, e.meter().syncs());
      assertTrue(e.meter().physicalBytes() >= e.meter().logicalBytes());
      // Regression: a flush's table and MANIFEST syncs count, not only WAL syncs; the bench
      // compares engines by this figure.
      e.flush();
      assertTrue(
          e.meter().syncs() >= openSyncs + 2,
          "table and MANIFEST syncs of the flush: " + e.meter());
    }
  }
}
