package dev.strata.bench.btree;

import dev.strata.api.Cursor;
import dev.strata.api.KeyRange;
import dev.strata.api.ReadTxn;
import dev.strata.api.StorageEngine;
import dev.strata.api.StorageEngines;
import dev.strata.api.WriteTxn;
import dev.strata.bench.runner.SystemProbe;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.lmdbjava.Dbi;
import org.lmdbjava.DbiFlags;
import org.lmdbjava.Env;
import org.lmdbjava.Txn;

/**
 * The btree engine against LMDB (lmdbjava) in one JVM run, on the same data, with equal durability
 * (LMDB's default, sync on commit; btree's {@code Durability.SYNC}): an insert of {@code keys}
 * 16-byte keys with 100-byte values in transactions of 1000 puts, random point gets 1000 per read
 * transaction, and a full sequential scan. The btree store lives in {@code DIR/btree}, the LMDB one
 * in {@code DIR/lmdb}. Not thread-safe: one run at a time.
 */
final class LmdbComparison {
  static final int DEFAULT_KEYS = 1_000_000;
  private static final int VALUE = 100;
  private static final int PUTS_PER_TXN = 1000;

  /** CPU time of the inserting thread (user and system, syscalls included). */
  private static final ThreadMXBean THREAD_CPU = ManagementFactory.getThreadMXBean();

  private final int keys;

  /**
   * @param keys keys to insert and to read back; a positive multiple of 1000
   */
  LmdbComparison(int keys) {
    if (keys <= 0 || keys % PUTS_PER_TXN != 0) {
      throw new IllegalArgumentException("--keys must be a positive multiple of 1000, got " + keys);
    }
    this.keys = keys;
  }

  static byte[] key(long i) {
    long h = i * 0x9E3779B97F4A7C15L;
    return ByteBuffer.allocate(16).putLong(h ^ (h >>> 29)).putLong(i).array();
  }

  static byte[] value(long i) {
    byte[] v = new byte[VALUE];
    Arrays.fill(v, (byte) i);
    return v;
  }

  /** Both inserts, then three interleaved read rounds. */
  void core(Path dir) throws Exception {
    Path b = dir.resolve("btree");
    Path l = dir.resolve("lmdb");
    double btreeInsert = insertBtree(b);
    double lmdbInsert = insertLmdb(l);
    report("insert, txns of 1000 puts, SYNC (puts/s)", btreeInsert, lmdbInsert);
    compareReads(b, l, 3);
  }

  /**
   * Runs the insert on fresh stores of both engines {@code rounds} times, alternating which engine
   * goes first so a change in the machine's load hits both alike, and prints each round's ratio.
   */
  void insertPairs(Path dir, int rounds) throws Exception {
    for (int round = 0; round < rounds; round++) {
      Path b = dir.resolve("btree-" + round);
      Path l = dir.resolve("lmdb-" + round);
      double btree;
      double lmdb;
      if (round % 2 == 0) {
        btree = insertBtree(b);
        lmdb = insertLmdb(l);
      } else {
        lmdb = insertLmdb(l);
        btree = insertBtree(b);
      }
      report("round " + round + ", insert, txns of 1000 puts, SYNC (puts/s)", btree, lmdb);
      deleteTree(b);
      deleteTree(l);
    }
  }

  private static void deleteTree(Path root) throws IOException {
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  /**
   * Interleaves btree and LMDB read rounds on the stores {@link #core} loaded and reports the best
   * round of each: on a shared machine the best round is the one least disturbed by others.
   */
  void compareReads(Path b, Path l, int rounds) throws Exception {
    try (StorageEngine e = StorageEngines.open("btree", b)) {
      System.out.println("btree stats: " + e.stats());
      try (Env<ByteBuffer> env = lmdb(l)) {
        Dbi<ByteBuffer> db = env.openDbi("bench");
        double bg = 0;
        double lg = 0;
        double bs = 0;
        double ls = 0;
        for (int round = 0; round < rounds; round++) {
          bg = Math.max(bg, getsBtree(e));
          lg = Math.max(lg, getsLmdb(env, db));
          bs = Math.max(bs, scanBtree(e));
          ls = Math.max(ls, scanLmdb(env, db));
        }
        report("random point get, 1000 per read txn (gets/s)", bg, lg);
        report("sequential scan, full cursor (entries/s)", bs, ls);
      }
    }
  }

  /** Gets per thread between two switches of engine in {@link #compareGets}. */
  private static final int SLICE = 20_000;

  /**
   * Point reads on the stores {@link #core} loaded: each of {@code threads} threads reads every one
   * of {@code keys} keys once, in its own random order, inside one read transaction per engine. The
   * threads switch engine together every {@value #SLICE} gets (a barrier between slices, the engine
   * going first alternating), so both engines see the same load from the rest of the machine; each
   * engine's time is the sum of its slices' wall times. An untimed warm-up round comes first.
   * Prints each round's ratio, then the medians.
   */
  void compareGets(Path b, Path l, int rounds, int threads) throws Exception {
    byte[][][] orders = new byte[threads][][];
    for (int t = 0; t < threads; t++) {
      SplittableRandom r = new SplittableRandom(42 + t);
      orders[t] = new byte[keys][];
      for (int i = 0; i < keys; i++) {
        orders[t][i] = key(r.nextInt(keys));
      }
    }
    try (StorageEngine e = StorageEngines.open("btree", b);
        Env<ByteBuffer> env = lmdb(l)) {
      Dbi<ByteBuffer> db = env.openDbi("bench");
      sliced(e, env, db, orders);
      double[] bt = new double[rounds];
      double[] lm = new double[rounds];
      double[] ratio = new double[rounds];
      for (int round = 0; round < rounds; round++) {
        double[] rates = sliced(e, env, db, orders);
        bt[round] = rates[0];
        lm[round] = rates[1];
        ratio[round] = bt[round] / lm[round];
        report(
            "round " + round + ", " + threads + " thread(s), one read txn each (gets/s)",
            bt[round],
            lm[round]);
      }
      System.out.printf(
          "median of %d rounds, %d thread(s) (gets/s)         btree %,12.0f   lmdb %,12.0f"
              + "   median ratio %.2f (min %.2f, max %.2f)%n",
          rounds,
          threads,
          median(bt),
          median(lm),
          median(ratio),
          Arrays.stream(ratio).min().orElseThrow(),
          Arrays.stream(ratio).max().orElseThrow());
    }
  }

  /** One round of {@link #compareGets}; returns btree's and LMDB's gets per second. */
  private double[] sliced(
      StorageEngine e, Env<ByteBuffer> env, Dbi<ByteBuffer> db, byte[][][] orders)
      throws InterruptedException {
    int threads = orders.length;
    int slices = (keys + SLICE - 1) / SLICE;
    long[] nanos = new long[2];
    long[] last = {0};
    int[] phase = {0};
    // Phase p runs slice p / 2 on engine phaseEngine(p); the barrier action charges its wall time.
    java.util.concurrent.CyclicBarrier barrier =
        new java.util.concurrent.CyclicBarrier(
            threads,
            () -> {
              long now = System.nanoTime();
              if (phase[0] > 0) {
                nanos[phaseEngine(phase[0] - 1)] += now - last[0];
              }
              phase[0]++;
              last[0] = System.nanoTime();
            });
    long[] sums = new long[threads];
    Throwable[] failures = new Throwable[threads];
    Thread[] workers = new Thread[threads];
    for (int t = 0; t < threads; t++) {
      int id = t;
      workers[t] =
          new Thread(
              () -> {
                byte[][] order = orders[id];
                ByteBuffer k = ByteBuffer.allocateDirect(16);
                long sum = 0;
                try (ReadTxn bt = e.beginRead();
                    Txn<ByteBuffer> lt = env.txnRead()) {
                  barrier.await();
                  for (int p = 0; p < 2 * slices; p++) {
                    int from = p / 2 * SLICE;
                    int to = Math.min(keys, from + SLICE);
                    if (phaseEngine(p) == 0) {
                      for (int i = from; i < to; i++) {
                        sum += found(bt.get(order[i])).length;
                      }
                    } else {
                      for (int i = from; i < to; i++) {
                        k.clear();
                        k.put(order[i]).flip();
                        ByteBuffer v = db.get(lt, k);
                        if (v == null) {
                          throw new IllegalStateException(
                              "a key the insert wrote is missing from LMDB");
                        }
                        byte[] copy = new byte[v.remaining()];
                        v.get(copy);
                        sum += copy.length;
                      }
                    }
                    barrier.await();
                  }
                } catch (Throwable ex) {
                  failures[id] = ex;
                  barrier.reset();
                }
                sums[id] = sum;
              });
      workers[t].start();
    }
    for (Thread w : workers) {
      w.join();
    }
    for (int t = 0; t < threads; t++) {
      if (failures[t] != null) {
        throw new IllegalStateException("reader thread " + t + " failed", failures[t]);
      }
      check(sums[t]);
    }
    double gets = (double) threads * keys;
    return new double[] {gets / (nanos[0] / 1e9), gets / (nanos[1] / 1e9)};
  }

  /** The engine of phase {@code p}: 0 btree, 1 LMDB, the first of each slice alternating. */
  private static int phaseEngine(int p) {
    return (p & 1) ^ ((p >>> 1) & 1);
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  /** Runs {@code work(t)} on {@code threads} threads at once; returns total gets per second. */
  private double parallel(int threads, java.util.function.IntToLongFunction work)
      throws InterruptedException {
    long[] sums = new long[threads];
    RuntimeException[] failures = new RuntimeException[threads];
    Thread[] workers = new Thread[threads];
    java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
    for (int t = 0; t < threads; t++) {
      int id = t;
      workers[t] =
          new Thread(
              () -> {
                try {
                  go.await();
                  sums[id] = work.applyAsLong(id);
                } catch (InterruptedException ex) {
                  Thread.currentThread().interrupt();
                } catch (RuntimeException ex) {
                  failures[id] = ex;
                }
              });
      workers[t].start();
    }
    long start = System.nanoTime();
    go.countDown();
    for (Thread w : workers) {
      w.join();
    }
    double secs = (System.nanoTime() - start) / 1e9;
    for (int t = 0; t < threads; t++) {
      if (failures[t] != null) {
        throw failures[t];
      }
      check(sums[t]);
    }
    return (double) threads * keys / secs;
  }

  private static long getsBtreeOneTxn(StorageEngine e, byte[][] order) {
    long sum = 0;
    try (ReadTxn t = e.beginRead()) {
      for (byte[] k : order) {
        sum += found(t.get(k)).length;
      }
    }
    return sum;
  }

  /** Reads only, on the btree store {@link #core} left behind (for profiling). */
  void reads(Path dir) throws InterruptedException {
    byte[][] order = new byte[keys][];
    SplittableRandom r = new SplittableRandom(42);
    for (int i = 0; i < keys; i++) {
      order[i] = key(r.nextInt(keys));
    }
    try (StorageEngine e = StorageEngines.open("btree", dir.resolve("btree"))) {
      for (int round = 0; round < 5; round++) {
        System.out.printf(
            "gets/s %,.0f  gets/s in one txn %,.0f  scan entries/s %,.0f%n",
            getsBtree(e), parallel(1, t -> getsBtreeOneTxn(e, order)), scanBtree(e));
      }
    }
  }

  /** The btree half of {@link #core}'s insert; returns puts per second. */
  double insertBtree(Path dir) {
    try (StorageEngine e = StorageEngines.open("btree", dir)) {
      long osBefore = osWriteBytes();
      SystemProbe.DeviceWrites deviceBefore = SystemProbe.deviceWrites(dir);
      long cpuBefore = THREAD_CPU.getCurrentThreadCpuTime();
      long userBefore = THREAD_CPU.getCurrentThreadUserTime();
      long start = System.nanoTime();
      for (int base = 0; base < keys; base += PUTS_PER_TXN) {
        try (WriteTxn t = e.beginWrite()) {
          for (int i = base; i < base + PUTS_PER_TXN; i++) {
            t.put(key(i), value(i));
          }
          t.commit();
        }
      }
      double secs = (System.nanoTime() - start) / 1e9;
      System.out.println(
          "btree insert: "
              + secs
              + " s, this thread's CPU "
              + (THREAD_CPU.getCurrentThreadCpuTime() - cpuBefore) / 1e9
              + " s (user "
              + (THREAD_CPU.getCurrentThreadUserTime() - userBefore) / 1e9
              + " s), meter "
              + e.meter()
              + ", /proc/self/io write_bytes "
              + (osWriteBytes() - osBefore)
              + ", "
              + deviceWrites(SystemProbe.deviceWrites(dir).minus(deviceBefore)));
      return keys / secs;
    }
  }

  /** The device's write requests and bytes per transaction of the insert. */
  private String deviceWrites(SystemProbe.DeviceWrites w) {
    if (w.requests() < 0) {
      return "device writes unknown";
    }
    long txns = keys / PUTS_PER_TXN;
    return String.format(
        "device %,d write requests (%,.0f per txn, %.1f KiB each)",
        w.requests(), (double) w.requests() / txns, w.bytes() / 1024.0 / Math.max(1, w.requests()));
  }

  private static Env<ByteBuffer> lmdb(Path dir) throws IOException {
    Files.createDirectories(dir);
    return Env.create().setMapSize(8L << 30).setMaxDbs(1).open(dir.toFile());
  }

  /** The LMDB half of {@link #core}'s insert; returns puts per second. */
  double insertLmdb(Path dir) throws IOException {
    try (Env<ByteBuffer> env = lmdb(dir)) {
      Dbi<ByteBuffer> db = env.openDbi("bench", DbiFlags.MDB_CREATE);
      ByteBuffer k = ByteBuffer.allocateDirect(16);
      ByteBuffer v = ByteBuffer.allocateDirect(VALUE);
      long osBefore = osWriteBytes();
      SystemProbe.DeviceWrites deviceBefore = SystemProbe.deviceWrites(dir);
      long cpuBefore = THREAD_CPU.getCurrentThreadCpuTime();
      long userBefore = THREAD_CPU.getCurrentThreadUserTime();
      long start = System.nanoTime();
      for (int base = 0; base < keys; base += PUTS_PER_TXN) {
        try (Txn<ByteBuffer> t = env.txnWrite()) {
          for (int i = base; i < base + PUTS_PER_TXN; i++) {
            k.clear();
            k.put(key(i)).flip();
            v.clear();
            v.put(value(i)).flip();
            db.put(t, k, v);
          }
          t.commit();
        }
      }
      double secs = (System.nanoTime() - start) / 1e9;
      System.out.println(
          "lmdb insert: "
              + secs
              + " s, this thread's CPU "
              + (THREAD_CPU.getCurrentThreadCpuTime() - cpuBefore) / 1e9
              + " s (user "
              + (THREAD_CPU.getCurrentThreadUserTime() - userBefore) / 1e9
              + " s), /proc/self/io write_bytes "
              + (osWriteBytes() - osBefore)
              + ", "
              + deviceWrites(SystemProbe.deviceWrites(dir).minus(deviceBefore)));
      return keys / secs;
    }
  }

  private double getsBtree(StorageEngine e) {
    SplittableRandom r = new SplittableRandom(42);
    long sum = 0;
    long start = System.nanoTime();
    for (int batch = 0; batch < keys / 1000; batch++) {
      try (ReadTxn t = e.beginRead()) {
        for (int i = 0; i < 1000; i++) {
          sum += found(t.get(key(r.nextInt(keys)))).length;
        }
      }
    }
    double secs = (System.nanoTime() - start) / 1e9;
    check(sum);
    return keys / secs;
  }

  private double getsLmdb(Env<ByteBuffer> env, Dbi<ByteBuffer> db) {
    SplittableRandom r = new SplittableRandom(42);
    ByteBuffer k = ByteBuffer.allocateDirect(16);
    long sum = 0;
    long start = System.nanoTime();
    for (int batch = 0; batch < keys / 1000; batch++) {
      try (Txn<ByteBuffer> t = env.txnRead()) {
        for (int i = 0; i < 1000; i++) {
          k.clear();
          k.put(key(r.nextInt(keys))).flip();
          ByteBuffer v = db.get(t, k);
          if (v == null) {
            throw new IllegalStateException("a key the insert wrote is missing from LMDB");
          }
          byte[] copy = new byte[v.remaining()];
          v.get(copy);
          sum += copy.length;
        }
      }
    }
    double secs = (System.nanoTime() - start) / 1e9;
    check(sum);
    return keys / secs;
  }

  private double scanBtree(StorageEngine e) {
    long n = 0;
    long start = System.nanoTime();
    try (ReadTxn t = e.beginRead();
        Cursor c = t.cursor(KeyRange.all())) {
      while (c.next()) {
        n += c.key().length + c.value().length;
      }
    }
    double secs = (System.nanoTime() - start) / 1e9;
    check(n);
    return keys / secs;
  }

  private double scanLmdb(Env<ByteBuffer> env, Dbi<ByteBuffer> db) {
    long n = 0;
    long start = System.nanoTime();
    try (Txn<ByteBuffer> t = env.txnRead();
        org.lmdbjava.Cursor<ByteBuffer> c = db.openCursor(t)) {
      boolean more = c.first();
      while (more) {
        byte[] k = new byte[c.key().remaining()];
        c.key().duplicate().get(k);
        byte[] v = new byte[c.val().remaining()];
        c.val().duplicate().get(v);
        n += k.length + v.length;
        more = c.next();
      }
    }
    double secs = (System.nanoTime() - start) / 1e9;
    check(n);
    return keys / secs;
  }

  private static byte[] found(byte[] value) {
    if (value == null) {
      throw new IllegalStateException("a key the insert wrote is missing from the btree store");
    }
    return value;
  }

  /** Bytes this process caused to be written to storage, per the kernel (-1 if unknown). */
  static long osWriteBytes() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/io"))) {
        if (line.startsWith("write_bytes:")) {
          return Long.parseLong(line.substring(12).trim());
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }

  private static void check(long sum) {
    if (sum == 0) {
      throw new IllegalStateException("nothing read");
    }
  }

  private static void report(String what, double btree, double lmdb) {
    System.out.printf(
        "%-48s btree %,12.0f   lmdb %,12.0f   ratio %.2f%n", what, btree, lmdb, btree / lmdb);
  }
}
