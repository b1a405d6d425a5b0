package dev.strata.bench.btree;

import dev.strata.api.Durability;
import dev.strata.api.EngineOptions;
import dev.strata.api.StorageEngine;
import dev.strata.api.StorageEngines;
import dev.strata.api.WriteAmplificationMeter;
import dev.strata.api.WriteTxn;
import dev.strata.bench.Keys;
import dev.strata.bench.runner.SystemProbe;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The load phase of {@code compare} on btree and LMDB in one JVM, in interleaved pairs: {@code
 * keys} keys of 16 B with 100 B values in {@code compare}'s scrambled order, 1,000 puts per {@code
 * SYNC} commit, into a fresh store each time. An untimed load of each engine comes first (as {@code
 * compare}'s warm-up), then every round loads both engines, which goes first alternating. Per round
 * and engine it prints commits/s, the loading thread's CPU time per commit, syncs per commit (the
 * meter's; LMDB reports none), bytes handed to write calls per commit ({@code wchar}) and the write
 * requests and bytes of the store's block device per commit (device-wide: read them on a quiet
 * machine), then the median ratio and its spread. Not thread-safe; one instance per run.
 */
final class LoadPairs {
  private static final int PUTS_PER_COMMIT = 1000;
  private static final int VALUE_SIZE = 100;
  private static final ThreadMXBean THREAD_CPU = ManagementFactory.getThreadMXBean();

  private final long keys;
  private final long seed;
  private final EngineOptions lmdbOptions;
  private final EngineOptions btreeOptions;

  /**
   * One engine's load: what it measured. CPU is the loading thread's: in all, in user mode (the
   * rest is system time, of the write calls and syncs above all), and inside the puts.
   */
  private record Load(
      double commitsPerSecond,
      double cpuMicrosPerCommit,
      double userMicrosPerCommit,
      double putMicrosPerCommit,
      double syncs,
      double kib,
      double deviceWrites,
      double deviceKib) {
    @Override
    public String toString() {
      return String.format(
          "%,8.0f commits/s  cpu %,7.0f us/commit (user %,5.0f, puts %,5.0f)  syncs %5s/commit"
              + "  wchar %,6.0f KiB/commit  device %s",
          commitsPerSecond,
          cpuMicrosPerCommit,
          userMicrosPerCommit,
          putMicrosPerCommit,
          syncs < 0 ? "-" : String.format("%.2f", syncs),
          kib,
          deviceWrites < 0
              ? "-"
              : String.format("%,.0f writes, %,.0f KiB/commit", deviceWrites, deviceKib));
    }
  }

  /**
   * @param settings btree settings ({@code btree.*}), applied to btree only
   */
  LoadPairs(long keys, long seed, Map<String, String> settings) {
    this.keys = keys;
    this.seed = seed;
    this.lmdbOptions = EngineOptions.builder().durability(Durability.SYNC).build();
    EngineOptions.Builder b = EngineOptions.builder().durability(Durability.SYNC);
    settings.forEach(b::set);
    this.btreeOptions = b.build();
  }

  /** Runs the warm-up and {@code rounds} pairs under {@code dir}, printing every round. */
  void run(Path dir, int rounds) throws IOException {
    long warmKeys = Math.min(keys, 50_000);
    for (String engine : new String[] {"btree", "lmdb"}) {
      load(engine, dir.resolve(engine + "-warmup"), warmKeys);
    }
    double[] ratios = new double[rounds];
    for (int r = 0; r < rounds; r++) {
      boolean btreeFirst = r % 2 == 0;
      Load first = load(btreeFirst ? "btree" : "lmdb", dir.resolve("first"), keys);
      Load second = load(btreeFirst ? "lmdb" : "btree", dir.resolve("second"), keys);
      Load btree = btreeFirst ? first : second;
      Load lmdb = btreeFirst ? second : first;
      ratios[r] = btree.commitsPerSecond() / lmdb.commitsPerSecond();
      System.out.printf(
          "round %d (%s first): btree ÷ lmdb %.2f%n  btree %s%n  lmdb  %s%n",
          r + 1, btreeFirst ? "btree" : "lmdb", ratios[r], btree, lmdb);
    }
    double[] sorted = ratios.clone();
    Arrays.sort(sorted);
    double median =
        rounds % 2 == 1 ? sorted[rounds / 2] : (sorted[rounds / 2 - 1] + sorted[rounds / 2]) / 2;
    System.out.printf(
        "load btree ÷ lmdb: median %.2f, range %.2f-%.2f over %d rounds%n",
        median, sorted[0], sorted[rounds - 1], rounds);
  }

  /**
   * The untimed warm-up and {@code rounds} loads of btree alone, printing each: a loop to profile
   * btree's load with, without LMDB's samples in between.
   */
  void runBtreeOnly(Path dir, int rounds) throws IOException {
    load("btree", dir.resolve("btree-warmup"), Math.min(keys, 50_000));
    for (int r = 0; r < rounds; r++) {
      System.out.printf("round %d: btree %s%n", r + 1, load("btree", dir.resolve("btree"), keys));
    }
  }

  private Load load(String engine, Path dir, long n) throws IOException {
    SystemProbe.deleteTree(dir);
    long commits = (n + PUTS_PER_COMMIT - 1) / PUTS_PER_COMMIT;
    SplittableRandom random = new SplittableRandom(seed);
    try (StorageEngine db =
        StorageEngines.open(engine, dir, engine.equals("btree") ? btreeOptions : lmdbOptions)) {
      WriteAmplificationMeter.Snapshot meterBefore = db.meter().snapshot();
      SystemProbe.Io ioBefore = SystemProbe.io();
      SystemProbe.DeviceWrites deviceBefore = SystemProbe.deviceWrites(dir);
      long cpuBefore = THREAD_CPU.getCurrentThreadCpuTime();
      long userBefore = THREAD_CPU.getCurrentThreadUserTime();
      long putCpu = 0;
      long start = System.nanoTime();
      for (long first = 0; first < n; first += PUTS_PER_COMMIT) {
        long last = Math.min(n, first + PUTS_PER_COMMIT);
        try (WriteTxn txn = db.beginWrite()) {
          long putsStart = THREAD_CPU.getCurrentThreadCpuTime();
          for (long k = first; k < last; k++) {
            txn.put(Keys.key(Keys.loadOrder(k, n)), Keys.value(random, VALUE_SIZE));
          }
          putCpu += THREAD_CPU.getCurrentThreadCpuTime() - putsStart;
          txn.commit();
        }
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      long cpu = THREAD_CPU.getCurrentThreadCpuTime() - cpuBefore;
      long user = THREAD_CPU.getCurrentThreadUserTime() - userBefore;
      SystemProbe.Io io = SystemProbe.io().minus(ioBefore);
      SystemProbe.DeviceWrites device = SystemProbe.deviceWrites(dir).minus(deviceBefore);
      long syncs = db.meter().snapshot().syncs() - meterBefore.syncs();
      return new Load(
          commits / seconds,
          cpu / 1e3 / commits,
          user / 1e3 / commits,
          putCpu / 1e3 / commits,
          syncs == 0 ? -1 : (double) syncs / commits,
          io.syscallBytes() / 1024.0 / commits,
          device.requests() < 0 ? -1 : (double) device.requests() / commits,
          device.bytes() / 1024.0 / commits);
    } finally {
      SystemProbe.deleteTree(dir);
    }
  }
}
