package dev.strata.bench.ledger;

import static dev.strata.bench.ledger.HashBound.*;
import static dev.strata.bench.ledger.LedgerMeasure.*;

import dev.strata.api.Cursor;
import dev.strata.api.Durability;
import dev.strata.api.EngineOptions;
import dev.strata.api.KeyRange;
import dev.strata.api.ReadTxn;
import dev.strata.api.StorageEngine;
import dev.strata.api.StorageEngines;
import dev.strata.api.WriteTxn;
import dev.strata.bench.runner.SystemProbe;
import dev.strata.ledger.LedgerEngine;
import dev.strata.ledger.LedgerEntry;
import dev.strata.ledger.Operation;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;

/**
 * The ledger's two ratios that only mean something within one run: 1,000-entry scans against the
 * lsm engine's over the same keys, and {@code verifyIntegrity()} at 116-byte entries against the
 * two-core SHA-256 bound. Each round measures lsm scans, ledger scans, the bound and the verify
 * back to back, so load from other processes falls on all four alike; medians are printed at the
 * end with the load average.
 */
final class ScanVerifyWorkloads {
  private ScanVerifyWorkloads() {}

  private static final int SCAN_LENGTH = 1000;

  /**
   * Loads {@code keys} 16-byte keys with 100-byte values in shuffled order, 1,000 puts per
   * transaction, into a ledger and an lsm store under {@code work}, then runs {@code rounds} rounds
   * of {@code scans} scans each and one verify with its bound.
   */
  static void scanVerify(Path work, int rounds, int keys, int scans) throws Exception {
    long[] order = shuffled(keys, 42);
    EngineOptions options = EngineOptions.builder().durability(Durability.NO_SYNC).build();
    Path ledgerDir = work.resolve("sv-ledger");
    Path lsmDir = work.resolve("sv-lsm");
    SystemProbe.deleteTree(ledgerDir);
    SystemProbe.deleteTree(lsmDir);
    byte[] value = new byte[VALUE];
    new SplittableRandom(7).nextBytes(value);
    System.out.println("scan-verify: " + keys + " keys, load average " + loadAverage());
    try (LedgerEngine ledger = LedgerEngine.open(ledgerDir, options);
        StorageEngine lsm = StorageEngines.open("lsm", lsmDir, options)) {
      load(ledger, order, value);
      load(lsm, order, value);
      long bytes = ledger.stats().get("bytes").longValue();
      long entries = ledger.digest().size();
      List<Double> scanRatio = new ArrayList<>();
      List<Double> verifyShare = new ArrayList<>();
      List<Double> verifyShareCpu = new ArrayList<>();
      List<Double> loads = new ArrayList<>();
      // Round 0 warms the JIT on every path and is not counted.
      for (int round = 0; round <= rounds; round++) {
        double lsmRate = scans(lsm, keys, scans, round);
        double ledgerRate = scans(ledger, keys, scans, round);
        double[] boundEntries = twoCoreBound(Math.min(entries, 2_000_000));
        double[] verifyMb = verify(ledger, bytes);
        double boundMb = boundEntries[0] * bytes / entries / 1e6;
        double boundMbCpu = boundEntries[1] * bytes / entries / 1e6;
        double load = loadAverage();
        System.out.printf(
            "round %d: scans/s lsm %.0f ledger %.0f (%.2fx); verify %.0f MB/s, two-core bound %.0f"
                + " MB/s (%.1f %%); from CPU time, two idle cores: verify %.0f MB/s, bound %.0f"
                + " MB/s (%.1f %%); load %.1f%n",
            round,
            lsmRate,
            ledgerRate,
            ledgerRate / lsmRate,
            verifyMb[0],
            boundMb,
            100 * verifyMb[0] / boundMb,
            verifyMb[1],
            boundMbCpu,
            100 * verifyMb[1] / boundMbCpu,
            load);
        if (round > 0) {
          scanRatio.add(ledgerRate / lsmRate);
          verifyShare.add(verifyMb[0] / boundMb);
          verifyShareCpu.add(verifyMb[1] / boundMbCpu);
          loads.add(load);
        }
      }
      System.out.printf(
          "median of %d rounds: ledger/lsm 1,000-entry scans %.2fx; verify %.1f %% of the"
              + " two-core SHA-256 bound, wall clock (%.1f %% from CPU time on two idle cores;"
              + " %d B of log per entry); load average %.1f%n",
          rounds,
          median(scanRatio),
          100 * median(verifyShare),
          100 * median(verifyShareCpu),
          bytes / entries,
          median(loads));
    }
    SystemProbe.deleteTree(ledgerDir);
    SystemProbe.deleteTree(lsmDir);
  }

  /**
   * {@code verifyIntegrity()} alone against the two-core SHA-256 bound, on the ledger {@link
   * #scanVerify} loads: {@code rounds} rounds after an uncounted warm-up round, each measuring the
   * bound and one verify back to back, the bound first in even rounds and the verify first in odd
   * ones, so neither always runs in the other's wake.
   */
  static void verifyBound(Path work, int rounds, int keys) throws Exception {
    long[] order = shuffled(keys, 42);
    EngineOptions options = EngineOptions.builder().durability(Durability.NO_SYNC).build();
    Path ledgerDir = work.resolve("vb-ledger");
    SystemProbe.deleteTree(ledgerDir);
    byte[] value = new byte[VALUE];
    new SplittableRandom(7).nextBytes(value);
    System.out.println("verify-bound: " + keys + " keys, load average " + loadAverage());
    try (LedgerEngine ledger = LedgerEngine.open(ledgerDir, options)) {
      load(ledger, order, value);
      long bytes = ledger.stats().get("bytes").longValue();
      long entries = ledger.digest().size();
      List<Double> share = new ArrayList<>();
      List<Double> shareCpu = new ArrayList<>();
      List<Double> loads = new ArrayList<>();
      for (int round = 0; round <= rounds; round++) {
        double[] boundEntries;
        double[] verifyMb;
        if (round % 2 == 0) {
          boundEntries = twoCoreBound(Math.min(entries, 2_000_000));
          verifyMb = verify(ledger, bytes);
        } else {
          verifyMb = verify(ledger, bytes);
          boundEntries = twoCoreBound(Math.min(entries, 2_000_000));
        }
        double boundMb = boundEntries[0] * bytes / entries / 1e6;
        double boundMbCpu = boundEntries[1] * bytes / entries / 1e6;
        double load = loadAverage();
        System.out.printf(
            "round %d: verify %.0f MB/s, two-core bound %.0f MB/s (%.1f %%); from CPU time, two"
                + " idle cores: verify %.0f MB/s, bound %.0f MB/s (%.1f %%); CPU per pass: chain"
                + " %.3f, Merkle %.3f, index %.3f s; load %.2f%n",
            round,
            verifyMb[0],
            boundMb,
            100 * verifyMb[0] / boundMb,
            verifyMb[1],
            boundMbCpu,
            100 * verifyMb[1] / boundMbCpu,
            verifyMb[2],
            verifyMb[3],
            verifyMb[4],
            load);
        if (round > 0) {
          share.add(verifyMb[0] / boundMb);
          shareCpu.add(verifyMb[1] / boundMbCpu);
          loads.add(load);
        }
      }
      System.out.printf(
          "median of %d rounds: verify %.1f %% of the two-core SHA-256 bound, wall clock (rounds"
              + " %.1f-%.1f %%); %.1f %% from CPU time on two idle cores (%.1f-%.1f %%); %d B of"
              + " log per entry; load average %.2f%n",
          rounds,
          100 * median(share),
          100 * min(share),
          100 * max(share),
          100 * median(shareCpu),
          100 * min(shareCpu),
          100 * max(shareCpu),
          bytes / entries,
          median(loads));
    }
    SystemProbe.deleteTree(ledgerDir);
  }

  private static double min(List<Double> values) {
    return values.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
  }

  private static double max(List<Double> values) {
    return values.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
  }

  private static void load(StorageEngine e, long[] order, byte[] value) {
    for (int i = 0; i < order.length; i += 1000) {
      try (WriteTxn t = e.beginWrite()) {
        for (int j = i; j < Math.min(order.length, i + 1000); j++) {
          t.put(key(order[j]), value);
        }
        t.commit();
      }
    }
  }

  /** Scans per wall-clock second: {@code count} scans of 1,000 entries reading keys and values. */
  private static double scans(StorageEngine e, int keys, int count, int round) {
    SplittableRandom random = new SplittableRandom(round);
    long sum = 0;
    long t0 = System.nanoTime();
    try (ReadTxn t = e.beginRead()) {
      for (int s = 0; s < count; s++) {
        byte[] from = key(random.nextInt(keys));
        try (Cursor c = t.cursor(KeyRange.atLeast(from))) {
          for (int n = 0; n < SCAN_LENGTH && c.next(); n++) {
            sum += c.key()[0] + c.value().length;
          }
        }
      }
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    sink = (byte) sum;
    return count / seconds;
  }

  /**
   * Entries per second that two threads reach hashing, each for half of {@code entries}, exactly
   * what verification hashes per 116-byte entry: chain link, Merkle leaf, one interior node.
   * Returns {wall clock, two idle cores from the threads' CPU time}.
   */
  static double[] twoCoreBound(long entries) throws Exception {
    byte[] canonical =
        new LedgerEntry(1, 2, 3, -1, Operation.PUT, key(1), new byte[VALUE]).canonicalBytes();
    long half = entries / 2;
    CountDownLatch start = new CountDownLatch(1);
    Thread[] threads = new Thread[2];
    long[] cpuNanos = new long[2];
    for (int i = 0; i < 2; i++) {
      int slot = i;
      threads[i] =
          new Thread(
              () -> {
                try {
                  MessageDigest md = MessageDigest.getInstance("SHA-256");
                  byte[] head = new byte[32];
                  start.await();
                  long c0 = cpu();
                  for (long n = 0; n < half; n++) {
                    head = appendHashes(md, head, canonical, 3);
                  }
                  cpuNanos[slot] = cpu() - c0;
                  sink = head[0];
                } catch (Exception x) {
                  throw new IllegalStateException(x);
                }
              });
      threads[i].start();
    }
    long t0 = System.nanoTime();
    start.countDown();
    for (Thread t : threads) {
      t.join();
    }
    double wall = 2 * half / ((System.nanoTime() - t0) / 1e9);
    return new double[] {wall, 2 * half / (Math.max(cpuNanos[0], cpuNanos[1]) / 1e9)};
  }

  /**
   * One {@code verifyIntegrity()}: {wall-clock MB/s, MB/s two idle cores would reach with the CPU
   * time its three passes took (no sooner than the busiest pass, nor than half their sum), CPU
   * seconds of the chain, Merkle and index passes}.
   */
  private static double[] verify(LedgerEngine e, long bytes) {
    VerifyWorkloads.PassCpu passes = new VerifyWorkloads.PassCpu();
    passes.start();
    long t0 = System.nanoTime();
    long c0 = cpu();
    e.verifyIntegrity();
    double chainCpu = (cpu() - c0) / 1e9;
    double seconds = (System.nanoTime() - t0) / 1e9;
    double[] side = passes.finish();
    double busiest = Math.max(chainCpu, Math.max(side[0], side[1]));
    double twoCores = Math.max(busiest, (chainCpu + side[0] + side[1]) / 2);
    return new double[] {bytes / seconds / 1e6, bytes / twoCores / 1e6, chainCpu, side[0], side[1]};
  }

  private static long[] shuffled(int keys, long seed) {
    long[] order = new long[keys];
    for (int i = 0; i < keys; i++) {
      order[i] = i;
    }
    SplittableRandom random = new SplittableRandom(seed);
    for (int i = keys - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      long swap = order[i];
      order[i] = order[j];
      order[j] = swap;
    }
    return order;
  }

  private static double median(List<Double> values) {
    double[] sorted = values.stream().mapToDouble(Double::doubleValue).toArray();
    Arrays.sort(sorted);
    int n = sorted.length;
    return n == 0
        ? Double.NaN
        : n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  private static double loadAverage() {
    return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
  }
}
