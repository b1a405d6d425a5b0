package dev.strata.bench.btree;

import dev.strata.api.Durability;
import dev.strata.api.EngineOptions;
import dev.strata.api.ReadTxn;
import dev.strata.api.StorageEngine;
import dev.strata.api.StorageEngines;
import dev.strata.api.WriteTxn;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * {@code btree large}: a store larger than 4 GiB, so reads cross the 1 GiB mapping chunks. Writes
 * 700,000 values of 7000 B (each a two-page overflow run) under {@code NO_SYNC}, reopens, checks
 * 100,000 random values and times {@code verifyIntegrity()}.
 */
final class LargeStore {
  private static final int COUNT = 700_000;
  private static final int VALUE = 7000;
  private static final int BATCH = 10_000;

  private LargeStore() {}

  static void run(Path dir) {
    EngineOptions o = EngineOptions.builder().durability(Durability.NO_SYNC).build();
    byte[] v = new byte[VALUE];
    try (StorageEngine e = StorageEngines.open("btree", dir, o)) {
      long start = System.nanoTime();
      for (int base = 0; base < COUNT; base += BATCH) {
        try (WriteTxn t = e.beginWrite()) {
          for (int i = base; i < base + BATCH; i++) {
            v[0] = (byte) i;
            v[VALUE - 1] = (byte) (i >>> 8);
            t.put(LmdbComparison.key(i), v);
          }
          t.commit();
        }
      }
      System.out.printf(
          "large: wrote %d values of %d B in %.1f s%n",
          COUNT, VALUE, (System.nanoTime() - start) / 1e9);
    }
    try (StorageEngine e = StorageEngines.open("btree", dir)) {
      System.out.println("large store: " + e.stats());
      SplittableRandom r = new SplittableRandom(1);
      try (ReadTxn t = e.beginRead()) {
        for (int n = 0; n < 100_000; n++) {
          int i = r.nextInt(COUNT);
          byte[] got = t.get(LmdbComparison.key(i));
          if (got == null || got[0] != (byte) i || got[VALUE - 1] != (byte) (i >>> 8)) {
            throw new IllegalStateException("bad value for key " + i);
          }
        }
      }
      long start = System.nanoTime();
      e.verifyIntegrity();
      System.out.printf(
          "large: 100000 random reads verified; verifyIntegrity clean in %.1f s%n",
          (System.nanoTime() - start) / 1e9);
    }
  }
}
