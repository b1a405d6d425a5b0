package dev.strata.bench.btree;

import dev.strata.api.Durability;
import dev.strata.api.EngineOptions;
import dev.strata.api.StorageEngine;
import dev.strata.api.StorageEngines;
import dev.strata.api.WriteTxn;
import dev.strata.btree.BTreeEngine;
import dev.strata.btree.internal.Diagnostics;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * {@code btree freelist}: commit latency on a store whose freelist holds {@code pages / 2}
 * single-page free runs (1 KiB pages, every value in its own one-page overflow run, every other key
 * deleted), with the hash freelist, with the array freelist, and on a compacted copy (empty
 * freelist); for both durabilities, with the freelist stored and rebuilt on open. The stores are
 * built once per directory ({@code DIR/fragmented}, {@code DIR/dense}) and reused.
 */
final class FreelistCommitLatency {
  private static final int COMMITS = 400;
  private static final int LOAD_BATCH = 100_000;

  private FreelistCommitLatency() {}

  static void run(Path dir, int pages) throws Exception {
    Path frag = dir.resolve("fragmented");
    Path dense = dir.resolve("dense");
    if (!Files.exists(frag.resolve(Diagnostics.DATA_FILE))) {
      build(frag, dense, pages);
    }
    String[][] configs = {
      {"SYNC", "true"}, {"NO_SYNC", "true"}, {"SYNC", "false"}, {"NO_SYNC", "false"}
    };
    for (String[] config : configs) {
      Durability durability = Durability.valueOf(config[0]);
      String sync = config[1];
      double hash = commitP99(frag, "hash", sync, durability);
      double empty = commitP99(dense, "hash", sync, durability);
      double array = commitP99(frag, "array", sync, durability);
      System.out.printf(
          "%s freelistSync=%s commit p99 (ms): hash fragmented %.3f, hash empty"
              + " %.3f, array fragmented %.3f; hash/empty %.2f, array/hash %.1f%n",
          durability, sync, hash, empty, array, hash / empty, array / hash);
    }
  }

  private static void build(Path frag, Path dense, int pages) {
    EngineOptions load =
        EngineOptions.builder()
            .durability(Durability.NO_SYNC)
            .set("btree.pageSize", "1024")
            .set("btree.fillPercent", "1.0")
            .build();
    try (BTreeEngine e = (BTreeEngine) StorageEngines.open("btree", frag, load)) {
      byte[] big = new byte[600];
      for (int base = 0; base < pages; base += LOAD_BATCH) {
        try (WriteTxn t = e.beginWrite()) {
          for (int i = base; i < Math.min(pages, base + LOAD_BATCH); i++) {
            t.put(ByteBuffer.allocate(8).putLong(i).array(), big);
          }
          t.commit();
        }
      }
      for (int base = 0; base < pages; base += LOAD_BATCH) {
        try (WriteTxn t = e.beginWrite()) {
          for (int i = base; i < Math.min(pages, base + LOAD_BATCH); i += 2) {
            t.delete(ByteBuffer.allocate(8).putLong(i).array());
          }
          t.commit();
        }
      }
      // Pages a commit frees stay pending until a later commit releases them.
      e.put(new byte[] {0}, new byte[1]);
      e.put(new byte[] {0}, new byte[1]);
      System.out.println("fragmented store: " + e.stats());
      e.compact(dense);
    }
  }

  private static double commitP99(Path store, String freelist, String sync, Durability durability) {
    EngineOptions o =
        EngineOptions.builder()
            .set("btree.freelist", freelist)
            .set("btree.freelistSync", sync)
            .durability(durability)
            .build();
    try (StorageEngine e = StorageEngines.open("btree", store, o)) {
      Map<String, Number> s = e.stats();
      SplittableRandom r = new SplittableRandom(7);
      long[] nanos = new long[COMMITS];
      for (int c = 0; c < COMMITS; c++) {
        long start = System.nanoTime();
        try (WriteTxn t = e.beginWrite()) {
          for (int i = 0; i < 10; i++) {
            t.put(ByteBuffer.allocate(8).putLong(r.nextInt(1 << 30)).array(), new byte[100]);
          }
          t.commit();
        }
        nanos[c] = System.nanoTime() - start;
      }
      Arrays.sort(nanos);
      double p99 = nanos[(int) (COMMITS * 0.99)] / 1e6;
      System.out.printf(
          "  %s %s freelist=%s freelistSync=%s: free pages %s, free runs %s,"
              + " open rebuild %s ms, commit p50 %.3f ms, p99 %.3f ms, max %.3f ms,"
              + " freelist deltas after %s%n",
          store.getFileName(),
          durability,
          freelist,
          sync,
          s.get("freePages"),
          s.get("freeRuns"),
          s.get("freelistRebuildMillis"),
          nanos[COMMITS / 2] / 1e6,
          p99,
          nanos[COMMITS - 1] / 1e6,
          e.stats().get("freelistDeltas"));
      return p99;
    }
  }
}
