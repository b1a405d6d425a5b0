package dev.strata.btree;

import dev.strata.api.Cursor;
import dev.strata.api.Durability;
import dev.strata.api.EngineOptions;
import dev.strata.api.KeyRange;
import dev.strata.api.ReadTxn;
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
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.lmdbjava.Dbi;
import org.lmdbjava.DbiFlags;
import org.lmdbjava.Env;
import org.lmdbjava.Txn;

/**
 * The btree engine against LMDB (lmdbjava) in one JVM run, on the same data, with equal durability
 * (LMDB's default: sync on commit; btree: {@code Durability.SYNC}). Not a unit test: run it by
 * hand, see the module README for the command.
 *
 * <pre>
 * core DIR       1M keys of 16 B, values of 100 B: insert in txns of 1000 puts (SYNC),
 *                random point gets, full sequential scan
 * freelist DIR   commit p99 with >= 1M fragmented free pages: hash vs empty freelist vs array
 * freelist-multi DIR [pages] [puts:commits,...] [rounds] [seed] [SYNC,NO_SYNC]
 *                the same with values of 2-4 pages on a freelist of isolated pages, SYNC and
 *                NO_SYNC unless the last argument names one ({@link MultiPageFreelistBench})
 * large DIR      a store larger than 4 GiB (crosses 1 GiB mapping chunks)
 * reads DIR      gets and scans only, on the store core left in DIR (for profiling)
 * insert DIR     the btree insert of core alone (to compare two builds of the engine)
 * insert-lmdb DIR   the LMDB insert of core alone (to count its system calls)
 * insert-pairs DIR N  N rounds of core's insert into fresh stores, btree and LMDB alternating
 *                which goes first, each round's ratio printed
 * compare-reads DIR  10 interleaved read rounds on both stores core left in DIR, best of each
 * </pre>
 */
public final class BTreeBench {
  private static final int KEYS = 1_000_000;
  private static final int VALUE = 100;

  /** CPU time of the inserting thread (user and system, syscalls included). */
  private static final ThreadMXBean THREAD_CPU = ManagementFactory.getThreadMXBean();

  private BTreeBench() {}

  public static void main(String[] args) throws Exception {
    String what = args[0];
    Path dir = Path.of(args[1]);
    Files.createDirectories(dir);
    System.out.println(
        "java "
            + System.getProperty("java.version")
            + ", "
            + Runtime.getRuntime().availableProcessors()
            + " cpus, "
            + what);
    switch (what) {
      case "core":
        core(dir);
        break;
      case "freelist":
        freelist(dir, Integer.parseInt(args.length > 2 ? args[2] : "2000000"));
        break;
      case "freelist-multi":
        MultiPageFreelistBench.run(dir, args);
        break;
      case "large":
        large(dir);
        break;
      case "insert":
        System.out.printf("btree insert: %,.0f puts/s%n", insertBtree(dir.resolve("btree")));
        break;
      case "insert-lmdb":
        System.out.printf("lmdb insert: %,.0f puts/s%n", insertLmdb(dir.resolve("lmdb")));
        break;
      case "insert-pairs":
        insertPairs(dir, Integer.parseInt(args[2]));
        break;
      case "reads":
        reads(dir);
        break;
      case "compare-reads":
        compareReads(dir.resolve("btree"), dir.resolve("lmdb"), 10);
        break;
      default:
        throw new IllegalArgumentException(what);
    }
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

  // ------------------------------------------------------------------ core

  private static void core(Path dir) throws Exception {
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
  private static void insertPairs(Path dir, int rounds) throws Exception {
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
   * Interleaves btree and LMDB read rounds on the stores {@code core} loaded and reports the best
   * round of each: on a shared machine the best round is the one least disturbed by others.
   */
  private static void compareReads(Path b, Path l, int rounds) throws Exception {
    try (BTreeEngine e = (BTreeEngine) StorageEngines.open("btree", b)) {
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

  /** Reads only, on the btree store {@code core} left behind (for profiling). */
  private static void reads(Path dir) {
    try (BTreeEngine e = (BTreeEngine) StorageEngines.open("btree", dir.resolve("btree"))) {
      for (int round = 0; round < 5; round++) {
        System.out.printf("gets/s %,.0f  scan entries/s %,.0f%n", getsBtree(e), scanBtree(e));
      }
    }
  }

  private static double insertBtree(Path dir) {
    try (BTreeEngine e = (BTreeEngine) StorageEngines.open("btree", dir)) {
      long osBefore = osWriteBytes();
      long cpuBefore = THREAD_CPU.getCurrentThreadCpuTime();
      long userBefore = THREAD_CPU.getCurrentThreadUserTime();
      long start = System.nanoTime();
      for (int base = 0; base < KEYS; base += 1000) {
        try (WriteTxn t = e.beginWrite()) {
          for (int i = base; i < base + 1000; i++) {
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
      return KEYS / secs;
    }
  }

  private static Env<ByteBuffer> lmdb(Path dir) throws Exception {
    Files.createDirectories(dir);
    return Env.create().setMapSize(8L << 30).setMaxDbs(1).open(dir.toFile());
  }

  private static double insertLmdb(Path dir) throws Exception {
    try (Env<ByteBuffer> env = lmdb(dir)) {
      Dbi<ByteBuffer> db = env.openDbi("bench", DbiFlags.MDB_CREATE);
      ByteBuffer k = ByteBuffer.allocateDirect(16);
      ByteBuffer v = ByteBuffer.allocateDirect(VALUE);
      long osBefore = osWriteBytes();
      long cpuBefore = THREAD_CPU.getCurrentThreadCpuTime();
      long userBefore = THREAD_CPU.getCurrentThreadUserTime();
      long start = System.nanoTime();
      for (int base = 0; base < KEYS; base += 1000) {
        try (Txn<ByteBuffer> t = env.txnWrite()) {
          for (int i = base; i < base + 1000; i++) {
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
      return KEYS / secs;
    }
  }

  private static double getsBtree(BTreeEngine e) {
    SplittableRandom r = new SplittableRandom(42);
    long sum = 0;
    long start = System.nanoTime();
    for (int batch = 0; batch < KEYS / 1000; batch++) {
      try (ReadTxn t = e.beginRead()) {
        for (int i = 0; i < 1000; i++) {
          sum += t.get(key(r.nextInt(KEYS))).length;
        }
      }
    }
    double secs = (System.nanoTime() - start) / 1e9;
    check(sum);
    return KEYS / secs;
  }

  private static double getsLmdb(Env<ByteBuffer> env, Dbi<ByteBuffer> db) {
    SplittableRandom r = new SplittableRandom(42);
    ByteBuffer k = ByteBuffer.allocateDirect(16);
    long sum = 0;
    long start = System.nanoTime();
    for (int batch = 0; batch < KEYS / 1000; batch++) {
      try (Txn<ByteBuffer> t = env.txnRead()) {
        for (int i = 0; i < 1000; i++) {
          k.clear();
          k.put(key(r.nextInt(KEYS))).flip();
          ByteBuffer v = db.get(t, k);
          byte[] copy = new byte[v.remaining()];
          v.get(copy);
          sum += copy.length;
        }
      }
    }
    double secs = (System.nanoTime() - start) / 1e9;
    check(sum);
    return KEYS / secs;
  }

  private static double scanBtree(BTreeEngine e) {
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
    return KEYS / secs;
  }

  private static double scanLmdb(Env<ByteBuffer> env, Dbi<ByteBuffer> db) {
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
    return KEYS / secs;
  }

  /** Bytes this process caused to be written to storage, per the kernel (-1 if unknown). */
  static long osWriteBytes() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/io"))) {
        if (line.startsWith("write_bytes:")) {
          return Long.parseLong(line.substring(12).trim());
        }
      }
    } catch (java.io.IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }

  private static void check(long sum) {
    if (sum == 0) {
      throw new AssertionError("nothing read");
    }
  }

  private static void report(String what, double btree, double lmdb) {
    System.out.printf(
        "%-48s btree %,12.0f   lmdb %,12.0f   ratio %.2f%n", what, btree, lmdb, btree / lmdb);
  }

  // ------------------------------------------------------------------ freelist

  /**
   * Builds a store whose freelist holds {@code pages / 2} single-page free runs (1 KiB pages, every
   * value in its own one-page overflow run, every other key deleted), then measures small SYNC
   * commits on it with the hash freelist, with the array freelist, and on a compacted copy (empty
   * freelist).
   */
  private static void freelist(Path dir, int pages) throws Exception {
    Path frag = dir.resolve("fragmented");
    Path dense = dir.resolve("dense");
    if (!Files.exists(frag.resolve(Store.FILE_NAME))) {
      EngineOptions load =
          EngineOptions.builder()
              .durability(Durability.NO_SYNC)
              .set("btree.pageSize", "1024")
              .set("btree.fillPercent", "1.0")
              .build();
      try (BTreeEngine e = (BTreeEngine) StorageEngines.open("btree", frag, load)) {
        byte[] big = new byte[600];
        for (int base = 0; base < pages; base += 100_000) {
          try (WriteTxn t = e.beginWrite()) {
            for (int i = base; i < base + 100_000; i++) {
              t.put(ByteBuffer.allocate(8).putLong(i).array(), big);
            }
            t.commit();
          }
        }
        for (int base = 0; base < pages; base += 100_000) {
          try (WriteTxn t = e.beginWrite()) {
            for (int i = base; i < base + 100_000; i += 2) {
              t.delete(ByteBuffer.allocate(8).putLong(i).array());
            }
            t.commit();
          }
        }
        e.put(new byte[] {0}, new byte[1]);
        e.put(new byte[] {0}, new byte[1]);
        System.out.println("fragmented store: " + e.stats());
        e.compact(dense);
      }
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

  private static double commitP99(Path store, String freelist, String sync, Durability durability) {
    EngineOptions o =
        EngineOptions.builder()
            .set("btree.freelist", freelist)
            .set("btree.freelistSync", sync)
            .durability(durability)
            .build();
    try (BTreeEngine e = (BTreeEngine) StorageEngines.open("btree", store, o)) {
      Map<String, Number> s = e.stats();
      SplittableRandom r = new SplittableRandom(7);
      int commits = 400;
      long[] nanos = new long[commits];
      for (int c = 0; c < commits; c++) {
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
      double p99 = nanos[(int) (commits * 0.99)] / 1e6;
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
          nanos[commits / 2] / 1e6,
          p99,
          nanos[commits - 1] / 1e6,
          e.stats().get("freelistDeltas"));
      return p99;
    }
  }

  // ------------------------------------------------------------------ large

  private static void large(Path dir) throws Exception {
    EngineOptions o = EngineOptions.builder().durability(Durability.NO_SYNC).build();
    int count = 700_000;
    byte[] v = new byte[7000];
    try (BTreeEngine e = (BTreeEngine) StorageEngines.open("btree", dir, o)) {
      long start = System.nanoTime();
      for (int base = 0; base < count; base += 10_000) {
        try (WriteTxn t = e.beginWrite()) {
          for (int i = base; i < base + 10_000; i++) {
            v[0] = (byte) i;
            v[6999] = (byte) (i >>> 8);
            t.put(key(i), v);
          }
          t.commit();
        }
      }
      System.out.printf(
          "large: wrote %d values of 7000 B in %.1f s%n", count, (System.nanoTime() - start) / 1e9);
    }
    try (BTreeEngine e = (BTreeEngine) StorageEngines.open("btree", dir)) {
      System.out.println("large store: " + e.stats());
      SplittableRandom r = new SplittableRandom(1);
      try (ReadTxn t = e.beginRead()) {
        for (int n = 0; n < 100_000; n++) {
          int i = r.nextInt(count);
          byte[] got = t.get(key(i));
          if (got[0] != (byte) i || got[6999] != (byte) (i >>> 8)) {
            throw new AssertionError("bad value for " + i);
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
