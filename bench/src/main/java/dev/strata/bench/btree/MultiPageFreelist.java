package dev.strata.bench.btree;

import dev.strata.api.Durability;
import dev.strata.api.EngineOptions;
import dev.strata.api.StorageEngine;
import dev.strata.api.StorageEngines;
import dev.strata.api.WriteTxn;
import dev.strata.btree.BTreeEngine;
import dev.strata.btree.internal.Diagnostics;
import dev.strata.freelist.Span;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * {@code btree freelist-multi-page}: the bbolt/etcd freelist stall, end to end. Multi-page
 * allocations on a store whose free pages are all isolated: {@code btree.freelist=array} then scans
 * every free id per allocation (first fit finds no two consecutive ids), the hash freelist answers
 * from its size-indexed maps.
 *
 * <p>Build (once per directory, kept in {@code DIR/base} and its compacted copy {@code DIR/dense}):
 * {@code pages} keys with values that take exactly one 1 KiB overflow page, every other key
 * deleted, then every free run longer than one page filled with a value of exactly its length (the
 * hash freelist takes exact fits first), until no two free pages touch. Measure: for each
 * durability and transaction size, a fresh {@code cp --sparse=always} of the base store with the
 * hash freelist, of the dense store (empty freelist), and of the base store with the array
 * freelist, each given the same seeded commits of puts whose values take 2 to 4 overflow pages.
 */
final class MultiPageFreelist {
  private static final int PAGE = 1024;
  private static final int ONE_PAGE_VALUE = 600;
  private static final int LOAD_BATCH = 100_000;
  private static final int WARMUP_COMMITS = 5;

  private MultiPageFreelist() {}

  /**
   * Builds the stores if {@code dir} has none yet, then measures.
   *
   * @param pages one-page values loaded into the base store (about half end up free)
   * @param sizes transaction sizes as {@code puts:commits}: how many puts each commit makes and how
   *     many commits each variant of that size measures
   * @param rounds times the whole measurement repeats
   * @param seed seed of the measured commits' keys and value sizes
   * @param durabilities the durabilities to measure, in order
   */
  static void run(
      Path dir, int pages, List<String> sizes, int rounds, long seed, List<Durability> durabilities)
      throws Exception {
    Path base = dir.resolve("base");
    Path dense = dir.resolve("dense");
    if (!Files.exists(dense.resolve(Diagnostics.DATA_FILE))) {
      build(base, dense, pages);
    }
    System.out.printf(
        "measure: puts:commits %s (+%d warm-up commits) per variant, values of 993-4064 B (2-4"
            + " pages), seed %d, %d round(s)%n",
        String.join(",", sizes), WARMUP_COMMITS, seed, rounds);
    Path work = dir.resolve("work");
    for (int round = 0; round < rounds; round++) {
      for (Durability durability : durabilities) {
        for (String size : sizes) {
          int puts = Integer.parseInt(size.substring(0, size.indexOf(':')));
          int commits = Integer.parseInt(size.substring(size.indexOf(':') + 1));
          Latency hash = measure(base, work, "hash", durability, puts, commits, pages, seed);
          Latency empty = measure(dense, work, "hash", durability, puts, commits, pages, seed);
          Latency array = measure(base, work, "array", durability, puts, commits, pages, seed);
          System.out.printf(
              "round %d %s %d puts/commit, p50 / p99 / max ms: hash 1M free %.2f / %.2f / %.1f,"
                  + " hash empty %.2f / %.2f / %.1f, array 1M free %.2f / %.2f / %.1f;"
                  + " p99 hash/empty %.2f, p99 array/hash %.1f (p50 %.1f)%n",
              round,
              durability,
              puts,
              hash.p50,
              hash.p99,
              hash.max,
              empty.p50,
              empty.p99,
              empty.max,
              array.p50,
              array.p99,
              array.max,
              hash.p99 / empty.p99,
              array.p99 / hash.p99,
              array.p50 / hash.p50);
        }
      }
    }
  }

  private static EngineOptions.Builder loadOptions() {
    return EngineOptions.builder()
        .durability(Durability.NO_SYNC)
        .set("btree.pageSize", Integer.toString(PAGE))
        .set("btree.fillPercent", "1.0");
  }

  private static byte[] baseKey(long i) {
    return ByteBuffer.allocate(8).putLong(i).array();
  }

  private static void build(Path base, Path dense, int pages) {
    long start = System.nanoTime();
    try (BTreeEngine e = (BTreeEngine) StorageEngines.open("btree", base, loadOptions().build())) {
      byte[] value = new byte[ONE_PAGE_VALUE];
      for (int from = 0; from < pages; from += LOAD_BATCH) {
        try (WriteTxn t = e.beginWrite()) {
          for (int i = from; i < Math.min(pages, from + LOAD_BATCH); i++) {
            t.put(baseKey(i), value);
          }
          t.commit();
        }
      }
      for (int from = 0; from < pages; from += LOAD_BATCH) {
        try (WriteTxn t = e.beginWrite()) {
          for (int i = from; i < Math.min(pages, from + LOAD_BATCH); i += 2) {
            t.delete(baseKey(i));
          }
          t.commit();
        }
      }
      System.out.printf(
          "loaded %d one-page values, deleted every other: %s, %.0f s%n",
          pages, describe(e), (System.nanoTime() - start) / 1e9);
      fillLongRuns(e);
      System.out.println("base store: " + e.stats());
      e.compact(dense);
    }
    System.out.printf("built in %.0f s%n", (System.nanoTime() - start) / 1e9);
  }

  /**
   * Puts, after every key of the base store, one value of exactly {@code n} pages for each free run
   * of {@code n >= 2} pages, until no free run is longer than a page. The load writes leaves and
   * branches in contiguous blocks that the deletes free whole (about 50 runs of up to thousands of
   * pages at 2M keys), and first fit would carve every multi-page value out of the first of them.
   */
  private static void fillLongRuns(StorageEngine e) {
    long fillerKey = 0x7F00_0000_0000_0000L;
    for (int pass = 0; pass < 20; pass++) {
      // Pages a commit frees stay pending until a later commit releases them; two small commits
      // bring everything freed so far into the freelist before it is inspected.
      e.put(baseKey(fillerKey), new byte[1]);
      e.put(baseKey(fillerKey), new byte[2]);
      List<Span> longRuns = new ArrayList<>();
      for (Span s : Diagnostics.freeRuns(e)) {
        if (s.length() > 1) {
          longRuns.add(s);
        }
      }
      System.out.printf("fill pass %d: %s%n", pass, describe(e));
      if (longRuns.isEmpty()) {
        return;
      }
      fillerKey++;
      try (WriteTxn t = e.beginWrite()) {
        for (Span s : longRuns) {
          t.put(
              baseKey(fillerKey++), new byte[(int) (s.length() * PAGE - Diagnostics.PAGE_HEADER)]);
        }
        t.commit();
      }
    }
    throw new IllegalStateException("free runs of 2+ pages remain after 20 passes: " + describe(e));
  }

  /** Free pages, free runs and the count of runs per length (the 5 most common lengths). */
  private static String describe(StorageEngine e) {
    List<Span> spans = Diagnostics.freeRuns(e);
    TreeMap<Long, Integer> byLength = new TreeMap<>();
    long free = 0;
    for (Span s : spans) {
      byLength.merge(s.length(), 1, Integer::sum);
      free += s.length();
    }
    StringBuilder top = new StringBuilder();
    byLength.entrySet().stream()
        .sorted((a, b) -> b.getValue() - a.getValue())
        .limit(5)
        .forEach(
            en ->
                top.append(' ').append(en.getKey()).append('p').append('x').append(en.getValue()));
    return String.format(
        "free pages %d, free runs %d, runs by length:%s, longest %d",
        free, spans.size(), top, byLength.isEmpty() ? 0 : byLength.lastKey());
  }

  private record Latency(double p50, double p99, double max) {}

  private static Latency measure(
      Path source,
      Path work,
      String freelist,
      Durability durability,
      int puts,
      int commits,
      int keySpace,
      long seed)
      throws IOException, InterruptedException {
    copy(source, work);
    EngineOptions o =
        EngineOptions.builder()
            .set("btree.freelist", freelist)
            .set("btree.freelistSync", "true")
            .durability(durability)
            .build();
    String load = Files.readString(Path.of("/proc/loadavg")).trim();
    try (StorageEngine e = StorageEngines.open("btree", work, o)) {
      String before = describe(e);
      SplittableRandom r = new SplittableRandom(seed);
      long[] nanos = new long[commits];
      for (int c = -WARMUP_COMMITS; c < commits; c++) {
        long start = System.nanoTime();
        try (WriteTxn t = e.beginWrite()) {
          for (int i = 0; i < puts; i++) {
            // A 9-byte key lands between two base keys, so commits touch leaves all over the tree
            // and never replace (and free) a base value.
            byte[] key = ByteBuffer.allocate(9).putLong(r.nextInt(keySpace)).array();
            key[8] = (byte) r.nextInt(256);
            byte[] value = new byte[r.nextInt(993, 4065)];
            value[0] = (byte) c;
            t.put(key, value);
          }
          t.commit();
        }
        if (c >= 0) {
          nanos[c] = System.nanoTime() - start;
        }
      }
      Arrays.sort(nanos);
      Latency l =
          new Latency(
              nanos[commits / 2] / 1e6,
              nanos[(int) Math.ceil(commits * 0.99) - 1] / 1e6,
              nanos[commits - 1] / 1e6);
      System.out.printf(
          "  %s %s freelist=%s %d puts/commit: before: %s; commit p50 %.3f ms, p99 %.3f ms,"
              + " max %.3f ms; after: %s; file %d MB; load %s%n",
          source.getFileName(),
          durability,
          freelist,
          puts,
          before,
          l.p50,
          l.p99,
          l.max,
          describe(e),
          e.stats().get("fileBytes").longValue() >> 20,
          load);
      return l;
    } finally {
      delete(work);
    }
  }

  private static void copy(Path source, Path target) throws IOException, InterruptedException {
    delete(target);
    run("cp", "-r", "--sparse=always", source.toString(), target.toString());
  }

  private static void delete(Path dir) throws IOException, InterruptedException {
    run("rm", "-rf", dir.toString());
  }

  private static void run(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).inheritIO().start();
    if (p.waitFor() != 0) {
      throw new IOException(String.join(" ", command) + " failed: exit " + p.exitValue());
    }
  }
}
