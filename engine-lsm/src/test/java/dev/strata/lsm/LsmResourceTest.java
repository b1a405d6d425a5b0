package dev.strata.lsm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.Cursor;
import dev.strata.api.EngineOptions;
import dev.strata.api.KeyRange;
import dev.strata.api.ReadTxn;
import dev.strata.api.StorageEngine;
import dev.strata.api.StorageEngines;
import dev.strata.api.WriteTxn;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Native memory must not leak across engine lifetimes: every RocksDB object is freed. */
class LsmResourceTest {
  private static final int CYCLES = Integer.getInteger("strata.lsm.cycles", 500);
  private static final long MAX_GROWTH_BYTES = 64L << 20;

  @TempDir Path dir;

  @Test
  void openCloseCycles_withTraffic_doNotGrowRssBeyond64MiB() throws Exception {
    EngineOptions options = EngineOptions.defaults();
    Runnable cycle =
        () -> {
          try (StorageEngine e = StorageEngines.open("lsm", dir, options)) {
            try (WriteTxn w = e.beginWrite()) {
              for (int i = 0; i < 100; i++) {
                w.put(("k" + i).getBytes(), new byte[100]);
              }
              w.commit();
            }
            try (ReadTxn r = e.beginRead();
                Cursor c = r.cursor(KeyRange.all().reversed())) {
              int n = 0;
              while (c.next()) {
                n++;
              }
              assertEquals(100, n);
              r.get("k1".getBytes());
            }
            ReadTxn leftOpen = e.beginRead();
            leftOpen.cursor(KeyRange.prefix("k".getBytes())).next();
            e.stats();
          }
        };
    // Warm up: JIT, the native library, glibc arenas and RocksDB's static state.
    for (int i = 0; i < 50; i++) {
      cycle.run();
    }
    System.gc();
    long before = rssBytes();
    for (int i = 0; i < CYCLES; i++) {
      cycle.run();
    }
    System.gc();
    long after = rssBytes();
    System.out.printf(
        "LsmResourceTest: RSS %d MiB -> %d MiB over %d cycles%n",
        before >> 20, after >> 20, CYCLES);
    assertTrue(
        after - before <= MAX_GROWTH_BYTES,
        "RSS grew by " + ((after - before) >> 20) + " MiB over " + CYCLES + " cycles");
  }

  private static long rssBytes() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
      }
    }
    throw new IllegalStateException("no VmRSS in /proc/self/status");
  }
}
