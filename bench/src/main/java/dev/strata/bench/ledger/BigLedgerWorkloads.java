package dev.strata.bench.ledger;

import static dev.strata.bench.ledger.LedgerMeasure.*;

import dev.strata.api.WriteTxn;
import dev.strata.bench.runner.SystemProbe;
import dev.strata.ledger.LedgerDigest;
import dev.strata.ledger.LedgerEngine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;

/** The big ledger: build, proofs, open from a checkpoint, full replay, open after a crash. */
final class BigLedgerWorkloads {
  private BigLedgerWorkloads() {}

  static void bigLedger(Path dir, long entries) throws Exception {
    long distinctKeys = Math.min(entries, 1_000_000);
    byte[] value = new byte[VALUE];
    long t0 = System.nanoTime();
    try (LedgerEngine e = LedgerEngine.open(dir, noSync())) {
      for (long i = 0; i < entries; i += 1000) {
        try (WriteTxn t = e.beginWrite()) {
          for (long j = i; j < Math.min(entries, i + 1000); j++) {
            t.put(key(j % distinctKeys), value);
          }
          t.commit();
        }
      }
      print(
          "big ledger: built " + entries + " entries (" + distinctKeys + " keys)",
          (System.nanoTime() - t0) / 1e9,
          "s");
      proofs(e, entries);
    }
    System.gc();
    long heapBefore = usedHeap();
    t0 = System.nanoTime();
    long c0 = cpu();
    try (LedgerEngine e = LedgerEngine.open(dir, noSync())) {
      print(
          "open " + entries + " entries, from checkpoint",
          (System.nanoTime() - t0) / 1e9,
          "s wall (" + String.format("%.2f", (cpu() - c0) / 1e9) + " s CPU)");
      long heapAfter = usedHeap();
      print(
          "index heap per key (measured, " + distinctKeys + " keys of " + KEY + " B)",
          (heapAfter - heapBefore) / (double) distinctKeys,
          "bytes/key");
      print(
          "index heap per key (stats estimate)",
          e.stats().get("indexMemoryBytes").doubleValue() / distinctKeys,
          "bytes/key");
      proofs(e, entries);
    }
    Files.delete(dir.resolve(CHECKPOINT_FILE));
    t0 = System.nanoTime();
    c0 = cpu();
    LedgerEngine replayed = LedgerEngine.open(dir, noSync());
    print(
        "open " + entries + " entries, full replay (no checkpoint)",
        (System.nanoTime() - t0) / 1e9,
        "s wall (" + String.format("%.2f", (cpu() - c0) / 1e9) + " s CPU)");
    replayed.close();
  }

  /**
   * Open after a crash: appends {@code tail} entries (100 per transaction, over the big ledger's
   * keys) to the ledger in {@code dir}, copies its files while the engine is still open (so the
   * copy's checkpoint lags by exactly the tail, as after a {@code kill -9}), then times three opens
   * of fresh copies of that image: the replay of the tail and the new checkpoint it writes. The
   * tail stays in {@code dir}.
   */
  static void openAfterCrash(Path dir, Path image, long tail) throws IOException {
    byte[] value = new byte[VALUE];
    try (LedgerEngine e = LedgerEngine.open(dir, noSync())) {
      long keys = e.stats().get("liveKeys").longValue() + e.stats().get("tombstones").longValue();
      long size = e.digest().size();
      SplittableRandom random = new SplittableRandom(11);
      for (long i = 0; i < tail; i += 100) {
        try (WriteTxn t = e.beginWrite()) {
          for (int j = 0; j < 100; j++) {
            t.put(key(random.nextLong(keys)), value);
          }
          t.commit();
        }
      }
      SystemProbe.deleteTree(image);
      copyDir(dir, image);
      // Two puts of one key in a transaction are one entry, so the tail is a little shorter.
      long now = e.digest().size();
      print("crash image: entries after the checkpoint", now - size, "of " + now);
    }
    for (int run = 0; run < 3; run++) {
      Path copy = image.resolveSibling("crash-open-" + run);
      SystemProbe.deleteTree(copy);
      copyDir(image, copy);
      long t0 = System.nanoTime();
      long c0 = cpu();
      try (LedgerEngine e = LedgerEngine.open(copy, noSync())) {
        print(
            "open after a crash (replay the tail, write a checkpoint)",
            (cpu() - c0) / 1e9,
            String.format(
                "s CPU of the opening thread, %.2f s wall, %d entries",
                (System.nanoTime() - t0) / 1e9, e.digest().size()));
      }
      SystemProbe.deleteTree(copy);
    }
  }

  /**
   * Opens an existing big ledger from its checkpoint and measures the heap the open engine holds.
   * Runs in its own frame so no earlier engine stays reachable from a stack slot.
   */
  static void openAndMeasureHeap(Path dir, long entries) {
    long heapBefore = usedHeap();
    long t0 = System.nanoTime();
    long c0 = cpu();
    LedgerEngine e = LedgerEngine.open(dir, noSync());
    print(
        "open " + entries + " entries, from checkpoint",
        (System.nanoTime() - t0) / 1e9,
        "s wall (" + String.format("%.2f", (cpu() - c0) / 1e9) + " s CPU)");
    long heapAfter = usedHeap();
    long keys = e.stats().get("liveKeys").longValue() + e.stats().get("tombstones").longValue();
    print(
        "heap held by the open engine per key (" + keys + " keys of " + KEY + " B)",
        (heapAfter - heapBefore) / (double) keys,
        "bytes/key");
    print(
        "index heap per key (stats estimate)",
        e.stats().get("indexMemoryBytes").doubleValue() / keys,
        "bytes/key");
    proofs(e, entries);
    e.close();
  }

  static void proofs(LedgerEngine e, long entries) {
    LedgerDigest d = e.digest();
    SplittableRandom random = new SplittableRandom(7);
    int n = 20_000;
    long[] seqs = new long[n];
    for (int i = 0; i < n; i++) {
      seqs[i] = random.nextLong(entries);
    }
    for (int i = 0; i < n; i++) {
      e.proveInclusion(seqs[i], d.size());
    }
    long[] nanos = new long[n];
    long c0 = cpu();
    for (int i = 0; i < n; i++) {
      long t0 = System.nanoTime();
      e.proveInclusion(seqs[i], d.size());
      nanos[i] = System.nanoTime() - t0;
    }
    print(
        "inclusion proof at " + entries + " entries: mean CPU time", (cpu() - c0) / 1e3 / n, "us");
    Arrays.sort(nanos);
    print("inclusion proof at " + entries + " entries: median", nanos[n / 2] / 1e3, "us");
    print("inclusion proof at " + entries + " entries: p99", nanos[n * 99 / 100] / 1e3, "us");
  }
}
