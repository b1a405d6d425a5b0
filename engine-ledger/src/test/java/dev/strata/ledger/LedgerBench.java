package dev.strata.ledger;

import dev.strata.api.Cursor;
import dev.strata.api.Durability;
import dev.strata.api.EngineOptions;
import dev.strata.api.KeyRange;
import dev.strata.api.ReadTxn;
import dev.strata.api.WriteAmplificationMeter;
import dev.strata.api.WriteTxn;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The ledger's performance targets, measured in one run so ratios compare like with like. Run from
 * the module directory after {@code mvn -pl engine-ledger -am test-compile}:
 *
 * <pre>
 * java -Xmx4g -cp target/test-classes:target/classes:../engine-api/target/classes \
 *     dev.strata.ledger.LedgerBench [workDir] [bigEntries] \
 *     [small-only|hot-only|append-verify|verify-only|reads|big-only|open-only|wa-only|verify-sizes
 *     |append-matrix [rounds]|append-one perTxn entries keyspace
 *     |append-ab hashThread,hashThread,... rounds entries keyspace|open-crash]
 * </pre>
 *
 * {@code append-ab} runs the append workload (100 puts per transaction) {@code rounds} times over
 * each configuration in one JVM, so that later rounds compare both ways with a warm JIT: a
 * configuration is the {@code ledger.hashThread} setting ({@code false}: all hashing in line).
 *
 * <p>Prints one line per figure. Not a unit test: no assertions, no JUnit.
 */
public final class LedgerBench {
  private LedgerBench() {}

  private static final int KEY = 16;
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  /** CPU time of this thread: the machine is shared, so wall time mostly measures neighbours. */
  private static long cpu() {
    return THREADS.getCurrentThreadCpuTime();
  }

  private static final int VALUE = 100;

  private static byte[] key(long i) {
    byte[] k = new byte[KEY];
    ByteBuffer.wrap(k)
        .putLong(8, Long.reverse(i) ^ 0x5DEECE66DL)
        .putLong(0, i * 0x9E3779B97F4A7C15L);
    return k;
  }

  private static void print(String name, double value, String unit) {
    System.out.printf("%-48s %14.2f %s%n", name, value, unit);
  }

  /**
   * Entry point.
   *
   * @param args work directory (default a temp dir), entries for the big ledger (default 10^7)
   */
  public static void main(String[] args) throws Exception {
    Path work = args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("ledger-bench");
    long big = args.length > 1 ? Long.parseLong(args[1]) : 10_000_000L;
    boolean small = args.length > 2 && args[2].equals("small-only");
    if (args.length > 2 && args[2].equals("hot-only")) {
      shaBound();
      appendHot(work.resolve("append-hot"), 100, 1_000_000, 1000);
      return;
    }
    if (args.length > 2 && args[2].equals("append-verify")) {
      shaBound();
      append(work.resolve("append-1"), 1, 300_000);
      append(work.resolve("append-100"), 100, 1_000_000);
      appendHot(work.resolve("append-hot"), 100, 1_000_000, 1000);
      verifyIntegrity(work.resolve("append-100"));
      return;
    }
    if (args.length > 2 && args[2].equals("append-matrix")) {
      appendMatrix(work, args.length > 3 ? Integer.parseInt(args[3]) : 1);
      return;
    }
    if (args.length > 5 && args[2].equals("append-one")) {
      shaBound();
      appendWorkload(
          work.resolve("append-one"),
          Integer.parseInt(args[3]),
          Long.parseLong(args[4]),
          Long.parseLong(args[5]));
      return;
    }
    if (args.length > 2 && args[2].equals("append-ab")) {
      String[] configs = args[3].split(",");
      for (int round = 0; round < Integer.parseInt(args[4]); round++) {
        for (String config : configs) {
          System.out.println(LedgerEngine.HASH_THREAD + "=" + config);
          shaBound();
          Path dir = work.resolve("ab");
          appendWorkload(
              dir,
              100,
              Long.parseLong(args[5]),
              Long.parseLong(args[6]),
              EngineOptions.builder()
                  .durability(Durability.NO_SYNC)
                  .set(LedgerEngine.HASH_THREAD, config)
                  .build());
          LedgerFiles.deleteDir(dir);
        }
      }
      return;
    }
    if (args.length > 2 && args[2].equals("reads")) {
      reads(work.resolve("reads"), 200_000);
      LedgerFiles.deleteDir(work.resolve("reads"));
      return;
    }
    if (args.length > 2 && args[2].equals("verify-only")) {
      shaBound();
      verifyIntegrity(work.resolve("append-100"));
      return;
    }
    if (args.length > 2 && args[2].equals("wa-only")) {
      amplificationRows(work);
      return;
    }
    if (args.length > 2 && args[2].equals("verify-sizes")) {
      for (int valueBytes : new int[] {100, 1024, 4096}) {
        verifyAtSize(work.resolve("verify-" + valueBytes), valueBytes, 150_000_000L);
      }
      return;
    }
    if (args.length > 2 && args[2].equals("big-only")) {
      bigLedger(work.resolve("big"), big);
      return;
    }
    if (args.length > 2 && args[2].equals("open-crash")) {
      openAfterCrash(work.resolve("big"), work.resolve("crash-image"), 500_000);
      return;
    }
    if (args.length > 2 && args[2].equals("open-only")) {
      openAndMeasureHeap(work.resolve("big"), big);
      return;
    }
    System.out.println(
        "ledger bench: JDK "
            + System.getProperty("java.version")
            + ", "
            + Runtime.getRuntime().availableProcessors()
            + " cpus, work dir "
            + work);
    shaBound();
    append(work.resolve("append-1"), 1, 300_000);
    append(work.resolve("append-100"), 100, 1_000_000);
    verifyIntegrity(work.resolve("append-100"));
    amplificationRows(work);
    groupCommit(work.resolve("group"), 16, 100);
    if (!small) {
      bigLedger(work.resolve("big"), big);
    }
  }

  /**
   * The SHA-256 bound: per entry (16 B key, 100 B value) exactly the hashes an append computes, the
   * chain link {@code 0x00 || h(n-1) || canonical}, the Merkle leaf {@code 0x00 || canonical} and
   * one interior node {@code 0x01 || left || right} (a tree of n leaves has n - 1), on one thread
   * with one reused digest. Also without the node (this bench's bound until the Merkle work moved
   * to a second thread, kept for comparison) and the chain link alone, the sequential part of
   * {@code verifyIntegrity()}.
   */
  private static void shaBound() throws Exception {
    byte[] canonical =
        new LedgerEntry(1, 2, 3, -1, Operation.PUT, key(1), new byte[VALUE]).canonicalBytes();
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    byte[] head = new byte[32];
    for (int warm = 0; warm < 1_000_000; warm++) {
      head = appendHashes(md, head, canonical, 3);
    }
    int n = 3_000_000;
    for (int hashes = 3; hashes >= 1; hashes--) {
      long t0 = System.nanoTime();
      long c0 = cpu();
      for (int i = 0; i < n; i++) {
        head = appendHashes(md, head, canonical, hashes);
      }
      double cpuSeconds = (cpu() - c0) / 1e9;
      double seconds = (System.nanoTime() - t0) / 1e9;
      int hashed =
          1
              + 32
              + canonical.length
              + (hashes >= 2 ? 1 + canonical.length : 0)
              + (hashes == 3 ? 65 : 0);
      String what =
          hashes == 3
              ? "sha256 bound (chain + leaf + node"
              : hashes == 2 ? "sha256 chain + leaf only (" : "sha256 chain link alone (";
      print(
          what + ", " + hashed + " B/entry): entries/CPU-s",
          n / cpuSeconds,
          "entries/s (wall "
              + String.format("%.0f", n / seconds)
              + "/s; "
              + String.format("%.0f", n * (double) hashed / cpuSeconds / 1e6)
              + " MB hashed per CPU-s) "
              + head[0]);
      if (hashes == 3) {
        shaEntriesPerSecond = n / cpuSeconds;
      } else if (hashes == 2) {
        chainAndLeafPerSecond = n / cpuSeconds;
      } else {
        chainEntriesPerSecond = n / cpuSeconds;
      }
    }
  }

  /** The first {@code hashes} of an entry's chain link, Merkle leaf and interior node. */
  private static byte[] appendHashes(MessageDigest md, byte[] head, byte[] canonical, int hashes) {
    byte[] next = chainAndLeaf(md, head, canonical, hashes >= 2);
    if (hashes == 3) {
      md.update((byte) 1);
      md.update(next);
      md.update(head);
      next[1] ^= md.digest()[0];
    }
    return next;
  }

  private static byte[] chainAndLeaf(
      MessageDigest md, byte[] head, byte[] canonical, boolean leaf) {
    md.update((byte) 0);
    md.update(head);
    md.update(canonical);
    byte[] next = md.digest();
    if (leaf) {
      md.update((byte) 0);
      md.update(canonical);
      next[0] ^= md.digest()[0];
    }
    return next;
  }

  private static double chainEntriesPerSecond;

  /** Keeps the hashing loops' results alive. */
  static volatile byte sink;

  private static double shaEntriesPerSecond;

  private static double chainAndLeafPerSecond;

  private static EngineOptions noSync() {
    return EngineOptions.builder().durability(Durability.NO_SYNC).build();
  }

  /**
   * The append target's workloads, {@code rounds} times: unique random keys, updates over 10^6
   * keys, updates over 1,000 hot keys, at 1 and 100 puts per transaction, each against the SHA-256
   * bound measured right before it in the same JVM.
   */
  private static void appendMatrix(Path work, int rounds) throws Exception {
    for (int round = 0; round < rounds; round++) {
      for (int perTxn : new int[] {1, 100}) {
        long entries = perTxn == 1 ? 300_000 : 1_000_000;
        for (long keyspace : new long[] {0, 1_000_000, 1_000}) {
          shaBound();
          Path dir = work.resolve("matrix-" + round + "-" + perTxn + "-" + keyspace);
          appendWorkload(dir, perTxn, entries, keyspace);
          LedgerFiles.deleteDir(dir);
        }
      }
    }
  }

  private static void append(Path dir, int perTxn, long entries) {
    appendWorkload(dir, perTxn, entries, 0);
  }

  /** Appends that update a small set of keys: the log and hashing cost without index growth. */
  private static void appendHot(Path dir, int perTxn, long entries, int keys) {
    appendWorkload(dir, perTxn, entries, keys);
  }

  /**
   * Read costs over {@code keys} scattered keys (written 100 per transaction), three rounds: point
   * gets of random keys in one read transaction, 500 cursors from random keys reading 1,000 keys
   * each (keys only: the index's ordered scan), and one full scan reading every value (log reads).
   * CPU time of the reading thread per operation.
   */
  private static void reads(Path dir, int keys) {
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
  private static void appendWorkload(Path dir, int perTxn, long entries, long keyspace) {
    appendWorkload(dir, perTxn, entries, keyspace, noSync());
  }

  private static void appendWorkload(
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

  private static void write(LedgerEngine e, long from, long to, int perTxn, byte[] value) {
    for (long i = from; i < to; i += perTxn) {
      try (WriteTxn t = e.beginWrite()) {
        for (long j = i; j < Math.min(to, i + perTxn); j++) {
          t.put(key(j), value);
        }
        t.commit();
      }
    }
  }

  /**
   * Wall-clock rate of {@code verifyIntegrity()} (it runs on two threads), the process CPU time it
   * took, and the bound the sequential chain pass sets: the chain link hash alone, one core.
   */
  private static void verifyIntegrity(Path dir) {
    try (LedgerEngine e = LedgerEngine.open(dir, noSync())) {
      long bytes = e.stats().get("bytes").longValue();
      long entries = e.digest().size();
      e.verifyIntegrity();
      print(
          "verify bound: chain link alone over " + bytes / 1_000_000 + " MB",
          chainEntriesPerSecond * bytes / entries / 1e6,
          "MB of log per CPU-s (" + bytes / entries + " B of log per entry)");
      measureVerify(e, bytes, "verifyIntegrity over " + bytes / 1_000_000 + " MB:");
    }
  }

  private static void amplificationRows(Path work) {
    amplification(work.resolve("wa-116-1"), VALUE, 1, 200_000);
    amplification(work.resolve("wa-116-10"), VALUE, 10, 500_000);
    amplification(work.resolve("wa-116-100"), VALUE, 100, 1_000_000);
    amplification(work.resolve("wa-4k-1"), 4096, 1, 20_000);
    amplification(work.resolve("wa-4k-100"), 4096, 100, 50_000);
  }

  /**
   * {@code verifyIntegrity()} over a ledger of about {@code logBytes} bytes of entries with {@code
   * valueBytes}-byte values (100 puts per transaction, unique keys), against the SHA-256 bound for
   * the same entries measured in the same run: per entry the chain link, the Merkle leaf and one
   * interior node (a Merkle tree of n leaves has n - 1 of them), one thread, one reused digest.
   */
  private static void verifyAtSize(Path dir, int valueBytes, long logBytes) {
    byte[] value = new byte[valueBytes];
    new SplittableRandom(3).nextBytes(value);
    long entries = logBytes / (KEY + valueBytes + 16);
    try (LedgerEngine e = LedgerEngine.open(dir, noSync())) {
      write(e, 0, entries, 100, value);
    }
    double[] bound = hashCost(KEY, valueBytes);
    try (LedgerEngine e = LedgerEngine.open(dir, noSync())) {
      long bytes = e.stats().get("bytes").longValue();
      double perEntry = bytes / (double) entries;
      String label = String.format("verify %5d B values, %d MB:", valueBytes, bytes / 1_000_000);
      e.verifyIntegrity();
      print(
          label + " sha256 bound",
          perEntry / bound[0] / 1e6,
          String.format(
              "MB of log per CPU-s (chain + leaf + node, one core; chain alone %.0f MB/CPU-s;"
                  + " %.0f B of log per entry)",
              perEntry / bound[1] / 1e6, perEntry));
      measureVerify(e, bytes, label);
    }
  }

  /**
   * Three timed {@code verifyIntegrity()} calls: wall rate, process CPU, CPU per pass and the rate
   * two idle cores would reach with that CPU.
   */
  private static void measureVerify(LedgerEngine e, long bytes, String label) {
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    for (int run = 0; run < 3; run++) {
      PassCpu passes = new PassCpu();
      passes.start();
      long t0 = System.nanoTime();
      long p0 = os.getProcessCpuTime();
      long c0 = cpu();
      e.verifyIntegrity();
      double chainCpu = (cpu() - c0) / 1e9;
      double processCpu = (os.getProcessCpuTime() - p0) / 1e9;
      double seconds = (System.nanoTime() - t0) / 1e9;
      double[] side = passes.finish();
      // On two idle cores the three passes finish no sooner than the busiest thread, and no
      // sooner than half of their summed CPU time.
      double busiest = Math.max(chainCpu, Math.max(side[0], side[1]));
      double twoCores = Math.max(busiest, (chainCpu + side[0] + side[1]) / 2);
      print(
          label + " wall",
          bytes / seconds / 1e6,
          String.format(
              "MB/s (%.2f s wall; process CPU %.2f s; CPU per pass: chain %.2f, Merkle %.2f,"
                  + " index %.2f s; two idle cores: %.0f MB/s)",
              seconds, processCpu, chainCpu, side[0], side[1], bytes / twoCores / 1e6));
    }
  }

  /**
   * Samples the CPU time of the verify passes' threads every 2 ms while they run (they end with the
   * call, so a final reading is impossible; at most one sampling interval is lost).
   */
  private static final class PassCpu extends Thread {
    private final double[] seconds = new double[2];
    private volatile boolean done;

    PassCpu() {
      setDaemon(true);
    }

    @Override
    public void run() {
      while (!done) {
        for (Thread t : Thread.getAllStackTraces().keySet()) {
          int slot =
              t.getName().equals("ledger-verify-merkle")
                  ? 0
                  : t.getName().equals("ledger-verify-index") ? 1 : -1;
          long nanos = slot < 0 ? -1 : THREADS.getThreadCpuTime(t.getId());
          if (nanos > 0) {
            seconds[slot] = Math.max(seconds[slot], nanos / 1e9);
          }
        }
        try {
          Thread.sleep(2);
        } catch (InterruptedException x) {
          return;
        }
      }
    }

    /** Stops sampling; returns {Merkle pass, index pass} CPU seconds. */
    double[] finish() {
      done = true;
      try {
        join();
      } catch (InterruptedException x) {
        Thread.currentThread().interrupt();
      }
      return seconds;
    }
  }

  /**
   * CPU seconds per entry of SHA-256 over what verification must hash for one entry of this size:
   * {chain link + leaf + one interior node, chain link alone}.
   */
  private static double[] hashCost(int keyBytes, int valueBytes) {
    byte[] canonical =
        new LedgerEntry(1, 2, 3, -1, Operation.PUT, new byte[keyBytes], new byte[valueBytes])
            .canonicalBytes();
    MessageDigest md;
    try {
      md = MessageDigest.getInstance("SHA-256");
    } catch (java.security.NoSuchAlgorithmException x) {
      throw new IllegalStateException(x);
    }
    int n = (int) Math.max(100_000, 600_000_000L / (2 * canonical.length + 100));
    double[] cost = new double[2];
    byte[] head = new byte[32];
    for (int pass = 0; pass < 3; pass++) {
      boolean all = pass != 2;
      long c0 = cpu();
      for (int i = 0; i < n; i++) {
        head = appendHashes(md, head, canonical, all ? 3 : 1);
      }
      // Pass 0 only warms up the intrinsic.
      if (pass > 0) {
        cost[pass - 1] = (cpu() - c0) / 1e9 / n;
      }
    }
    sink = head[0];
    return cost;
  }

  private static void amplification(Path dir, int valueBytes, int perTxn, long entries) {
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

  private static void groupCommit(Path dir, int threads, int commitsPerThread) throws Exception {
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

  private static void bigLedger(Path dir, long entries) throws Exception {
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
    Files.delete(dir.resolve(Checkpoint.FILE));
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
   * Opens an existing big ledger from its checkpoint and measures the heap the open engine holds.
   * Runs in its own frame so no earlier engine stays reachable from a stack slot.
   */
  /**
   * Open after a crash: appends {@code tail} entries (100 per transaction, over the big ledger's
   * keys) to the ledger in {@code dir}, copies its files while the engine is still open (so the
   * copy's checkpoint lags by exactly the tail, as after a {@code kill -9}), then times three opens
   * of fresh copies of that image: the replay of the tail and the new checkpoint it writes. The
   * tail stays in {@code dir}.
   */
  private static void openAfterCrash(Path dir, Path image, long tail) throws IOException {
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
      LedgerFiles.deleteDir(image);
      LedgerFiles.copyDir(dir, image);
      // Two puts of one key in a transaction are one entry, so the tail is a little shorter.
      long now = e.digest().size();
      print("crash image: entries after the checkpoint", now - size, "of " + now);
    }
    for (int run = 0; run < 3; run++) {
      Path copy = image.resolveSibling("crash-open-" + run);
      LedgerFiles.deleteDir(copy);
      LedgerFiles.copyDir(image, copy);
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
      LedgerFiles.deleteDir(copy);
    }
  }

  private static void openAndMeasureHeap(Path dir, long entries) {
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

  private static void proofs(LedgerEngine e, long entries) {
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

  private static long usedHeap() {
    Runtime rt = Runtime.getRuntime();
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return rt.totalMemory() - rt.freeMemory();
  }
}
