package dev.strata.bench.btree;

import dev.strata.api.Cursor;
import dev.strata.api.KeyRange;
import dev.strata.api.ReadTxn;
import dev.strata.api.StorageEngine;
import dev.strata.api.StorageEngines;
import dev.strata.api.WriteTxn;
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

  /** Reads only, on the btree store {@link #core} left behind (for profiling). */
  void reads(Path dir) {
    try (StorageEngine e = StorageEngines.open("btree", dir.resolve("btree"))) {
      for (int round = 0; round < 5; round++) {
        System.out.printf("gets/s %,.0f  scan entries/s %,.0f%n", getsBtree(e), scanBtree(e));
      }
    }
  }

  /** The btree half of {@link #core}'s insert; returns puts per second. */
  double insertBtree(Path dir) {
    try (StorageEngine e = StorageEngines.open("btree", dir)) {
      long osBefore = osWriteBytes();
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
              + (osWriteBytes() - osBefore));
      return keys / secs;
    }
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
              + (osWriteBytes() - osBefore));
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
