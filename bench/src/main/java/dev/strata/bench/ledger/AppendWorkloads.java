package dev.strata.bench.ledger;

import static dev.strata.bench.ledger.HashBound.*;
import static dev.strata.bench.ledger.LedgerMeasure.*;

import dev.strata.api.Cursor;
import dev.strata.api.EngineOptions;
import dev.strata.api.KeyRange;
import dev.strata.api.ReadTxn;
import dev.strata.api.WriteAmplificationMeter;
import dev.strata.api.WriteTxn;
import dev.strata.bench.runner.SystemProbe;
import dev.strata.ledger.LedgerEngine;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Append, read, write-amplification and group-commit workloads of the ledger bench. */
final class AppendWorkloads {
  private AppendWorkloads() {}

  /**
   * The append target's workloads, {@code rounds} times: unique random keys, updates over 10^6
   * keys, updates over 1,000 hot keys, at 1 and 100 puts per transaction, each against the SHA-256
   * bound measured right before it in the same JVM.
   */
  static void appendMatrix(Path work, int rounds) throws Exception {
    for (int round = 0; round < rounds; round++) {
      for (int perTxn : new int[] {1, 100}) {
        long entries = perTxn == 1 ? 300_000 : 1_000_000;
        for (long keyspace : new long[] {0, 1_000_000, 1_000}) {
          shaBound();
          Path dir = work.resolve("matrix-" + round + "-" + perTxn + "-" + keyspace);
          appendWorkload(dir, perTxn, entries, keyspace);
          SystemProbe.deleteTree(dir);
        }
      }
    }
  }

  static void append(Path dir, int perTxn, long entries) {
    appendWorkload(dir, perTxn, entries, 0);
  }

  /** Appends that update a small set of keys: the log and hashing cost without index growth. */
  static void appendHot(Path dir, int perTxn, long entries, int keys) {
    appendWorkload(dir, perTxn, entries, keys);
  }

  /**
   * Read costs over {@code keys} scattered keys (written 100 per transaction), three rounds: point
   * gets of random keys in one read transaction, 500 cursors from random keys reading 1,000 keys
   * each (keys only: the index's ordered scan), and one full scan reading every value (log reads).
   * CPU time of the reading thread per operation.
   */
  static void reads(Path dir, int keys) {
    byte[] value = new byte[VALUE];
    try (LedgerEngine e = LedgerEngine.open(dir, noSync())) {
      write(e, 0, keys, 100, value);
      for (int round = 0; round < 3; round++) {
        SplittableRandom random = new SplittableRandom(round);
        long c0 = cpu();
        try (ReadTxn t = e.beginRead()) {
          for (int i = 0; i < keys; i++) {
            t.get(key(random.nextInt(keys)));
          }
        }
        double getMicros = (cpu() - c0) / 1e3 / keys;
        c0 = cpu();
        long scanned = 0;
        try (ReadTxn t = e.beginRead()) {
          for (int s = 0; s < 500; s++) {
            try (Cursor c = t.cursor(KeyRange.atLeast(key(random.nextInt(keys))))) {
              for (int k = 0; k < 1000 && c.next(); k++) {
                c.key();
                scanned++;
              }
            }
          }
        }
        double scanMicros = (cpu() - c0) / 1e3 / scanned;
        c0 = cpu();
        long values = 0;
        try (ReadTxn t = e.beginRead();
            Cursor c = t.cursor(KeyRange.all())) {
          while (c.next()) {
            c.value();
            values++;
          }
        }
        print(
            "reads: get ; 1,000-key scans ; full scan with values",
            getMicros,
            String.format(
                "us CPU per get ; %.3f us per scanned key ; %.2f us per entry (%d entries)",
                scanMicros, (cpu() - c0) / 1e3 / values, values));
      }
    }
  }

  /**
   * One append workload under {@code NO_SYNC}, 16 B keys and 100 B values: with {@code keyspace} 0,
   * every put adds a new key (scattered over the key space); otherwise the keyspace is written once
   * first (not measured) and then updated at random. The writer hands each block's Merkle work to a
   * second thread, so the rate that counts is entries per wall-clock second (one writer) against
   * the one-core SHA-256 bound measured earlier in this run. Also prints entries per CPU-second of
   * the writing thread and of the whole process (the helper, GC and JIT included), and the index
   * heap the stats report per key.
   */
  static void appendWorkload(Path dir, int perTxn, long entries, long keyspace) {
    appendWorkload(dir, perTxn, entries, keyspace, noSync());
  }

  static void appendWorkload(
      Path dir, int perTxn, long entries, long keyspace, EngineOptions options) {
    byte[] value = new byte[VALUE];
    new SplittableRandom(1).nextBytes(value);
    String what = keyspace == 0 ? "unique random keys" : "updates over " + keyspace + " keys";
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    try (LedgerEngine e = LedgerEngine.open(dir, options)) {
      long warm = keyspace == 0 ? Math.min(entries / 5, 100_000) : keyspace;
      write(e, 0, warm, Math.max(perTxn, 100), value);
      SplittableRandom random = new SplittableRandom(2);
      long t0 = System.nanoTime();
      long c0 = cpu();
      long p0 = os.getProcessCpuTime();
      for (long i = 0; i < entries; i += perTxn) {
        try (WriteTxn t = e.beginWrite()) {
          for (long j = i; j < i + perTxn; j++) {
            t.put(key(keyspace == 0 ? warm + j : random.nextLong(keyspace)), value);
          }
          t.commit();
        }
      }
      double cpuSeconds = (cpu() - c0) / 1e9;
      double processSeconds = (os.getProcessCpuTime() - p0) / 1e9;
      double seconds = (System.nanoTime() - t0) / 1e9;
      double rate = entries / seconds;
      long keys = e.stats().get("liveKeys").longValue() + e.stats().get("tombstones").longValue();
      print(
          "append NO_SYNC, " + what + ", " + perTxn + " put/txn: entries/s",
          rate,
          String.format(
              "wall (%.0f per writer-thread CPU-s, %.0f per process CPU-s; %d keys, index %d B/key"
                  + " by stats)",
              entries / cpuSeconds,
              entries / processSeconds,
              keys,
              e.stats().get("indexMemoryBytes").longValue() / Math.max(1, keys)));
      print(
          "  % of sha256 bound",
          100 * rate / shaEntriesPerSecond,
          String.format(
              "%% (of chain + leaf only: %.2f %%; process CPU per entry %.2f x the bound's)",
              100 * rate / chainAndLeafPerSecond, processSeconds / entries * shaEntriesPerSecond));
    }
  }

  static void amplificationRows(Path work) {
    amplification(work.resolve("wa-116-1"), VALUE, 1, 200_000);
    amplification(work.resolve("wa-116-10"), VALUE, 10, 500_000);
    amplification(work.resolve("wa-116-100"), VALUE, 100, 1_000_000);
    amplification(work.resolve("wa-4k-1"), 4096, 1, 20_000);
    amplification(work.resolve("wa-4k-100"), 4096, 100, 50_000);
  }

  static void amplification(Path dir, int valueBytes, int perTxn, long entries) {
    byte[] value = new byte[valueBytes];
    LedgerEngine e = LedgerEngine.open(dir, noSync());
    WriteAmplificationMeter.Snapshot before = e.meter().snapshot();
    write(e, 0, entries, perTxn, value);
    WriteAmplificationMeter.Snapshot open = e.meter().snapshot().minus(before);
    e.close();
    WriteAmplificationMeter.Snapshot closed = e.meter().snapshot().minus(before);
    print(
        "write amplification, " + (KEY + valueBytes) + " B entries, " + perTxn + " put/txn",
        open.amplification(),
        "(segments + Merkle files; with the close-time index checkpoint "
            + String.format("%.2f", closed.amplification())
            + ")");
  }

  static void groupCommit(Path dir, int threads, int commitsPerThread) throws Exception {
    try (LedgerEngine e = LedgerEngine.open(dir, EngineOptions.defaults())) {
      List<Thread> workers = new ArrayList<>();
      long syncsBefore = e.meter().syncs();
      long t0 = System.nanoTime();
      for (int t = 0; t < threads; t++) {
        int id = t;
        Thread w =
            new Thread(
                () -> {
                  byte[] value = new byte[VALUE];
                  for (int i = 0; i < commitsPerThread; i++) {
                    e.put(key(id * 1_000_000L + i), value);
                  }
                });
        w.start();
        workers.add(w);
      }
      for (Thread w : workers) {
        w.join();
      }
      double seconds = (System.nanoTime() - t0) / 1e9;
      long commits = (long) threads * commitsPerThread;
      long syncs = e.meter().syncs() - syncsBefore;
      print(
          "group commit, " + threads + " threads SYNC: commits/fsync",
          (double) commits / syncs,
          "("
              + commits
              + " commits, "
              + syncs
              + " fsyncs, "
              + String.format("%.0f", commits / seconds)
              + " commits/s)");
    }
  }
}
