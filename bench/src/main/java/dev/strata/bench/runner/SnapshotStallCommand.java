package dev.strata.bench.runner;

import dev.strata.api.Durability;
import dev.strata.api.StorageEngine;
import dev.strata.api.StorageEngines;
import dev.strata.api.WriteTxn;
import dev.strata.api.spi.SettingsReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code strata-bench snapshot-stall}: how long a replicated store's snapshot holds up its applies.
 * The {@code raft} engine's snapshot is its local engine's {@code backup()}; its applies are one
 * local write transaction each, on one thread. This command loads {@code --bytes} into each local
 * engine ({@code NO_SYNC}, as a replica's local store runs), then, while one thread commits 1-put
 * transactions back to back (the applies), takes the backup in two ways, interleaved over {@code
 * --rounds} rounds: <b>blocking</b>, under the lock every commit takes (the backup on the apply
 * thread), and <b>online</b>, on its own thread while the commits go on. For each it reports the
 * backup's duration and the longest a commit waited meanwhile, per GiB loaded.
 */
@Command(
    name = "snapshot-stall",
    mixinStandardHelpOptions = true,
    description = {
      "Loads --bytes into each engine, then takes backup() while a thread commits 1-put"
          + " transactions: under the commits' lock (blocking snapshot) and beside them (online"
          + " snapshot), interleaved over --rounds rounds. Reports the backup time and the longest"
          + " commit wait per GiB. Writes results/snapshot-stall-<time>.{csv,json}."
    })
final class SnapshotStallCommand implements Callable<Integer> {
  private static final int LOAD_BATCH = 2_000;
  private static final double GIB = 1L << 30;

  @Option(
      names = "--engines",
      split = ",",
      description = "Local engines to measure (default: ${DEFAULT-VALUE}).")
  List<String> engines = List.of("btree", "lsm");

  @Option(
      names = "--bytes",
      converter = ByteSize.class,
      description = "Logical bytes loaded before the snapshots (default: 1GiB).")
  long bytes = 1L << 30;

  @Option(
      names = "--value-size",
      description = "Bytes per value of the load (default: ${DEFAULT-VALUE}).")
  int valueSize = 1_000;

  @Option(
      names = "--rounds",
      description =
          "Rounds, each one blocking and one online snapshot (default: ${DEFAULT-VALUE}).")
  int rounds = 3;

  @Mixin RunOptions run = new RunOptions();

  /** Parses {@code 1GiB}, {@code 512m}, {@code 1000000} with the engines' size rules. */
  static final class ByteSize implements ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
      return SettingsReader.ofFullKeys(Map.of("bench.bytes", value))
          .longValue("bench.bytes", 0, 1, Long.MAX_VALUE);
    }
  }

  /** One snapshot measured. */
  private record Sample(long backupNanos, long longestWaitNanos, long commits) {}

  @Override
  public Integer call() throws Exception {
    if (bytes < 1 || valueSize < 1 || rounds < 1) {
      throw new BenchException("--bytes, --value-size and --rounds must be positive");
    }
    long seed = run.start();
    List<Map<String, Object>> rows = new ArrayList<>();
    for (String engine : engines) {
      Path dir = run.workDir().resolve("snapshot-stall-" + engine);
      SystemProbe.deleteTree(dir);
      try (StorageEngine e =
          StorageEngines.open(engine, dir.resolve("store"), run.options(Durability.NO_SYNC))) {
        long loadStart = System.nanoTime();
        long keys = load(e, seed);
        long storeBytes = sizeOf(dir.resolve("store"));
        System.out.printf(
            Locale.ROOT,
            "%s: loaded %d keys (%.2f GiB logical, %.2f GiB on disk) in %.1f s, load average %s%n",
            engine,
            keys,
            bytes / GIB,
            storeBytes / GIB,
            (System.nanoTime() - loadStart) / 1e9,
            loadAverage());
        for (int round = 0; round < rounds; round++) {
          // Alternate which way goes first, so a trend in the machine's load hits both alike.
          boolean[] order =
              round % 2 == 0 ? new boolean[] {true, false} : new boolean[] {false, true};
          for (boolean blocking : order) {
            Path copy = dir.resolve("copy");
            SystemProbe.deleteTree(copy);
            String load = loadAverage();
            Sample s = measure(e, blocking, copy);
            SystemProbe.deleteTree(copy);
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("engine", engine);
            row.put("round", round);
            row.put("mode", blocking ? "blocking" : "online");
            row.put("logical_gib", bytes / GIB);
            row.put("store_gib", storeBytes / GIB);
            row.put("backup_ms", s.backupNanos() / 1e6);
            row.put("longest_commit_wait_ms", s.longestWaitNanos() / 1e6);
            row.put("longest_commit_wait_ms_per_gib", s.longestWaitNanos() / 1e6 / (bytes / GIB));
            row.put("commits_during_backup", s.commits());
            row.put("load_average", load);
            rows.add(row);
            System.out.printf(
                Locale.ROOT,
                "%s round %d %-8s backup %8.1f ms, longest commit wait %8.1f ms, %6d commits"
                    + " meanwhile, load average %s%n",
                engine,
                round,
                blocking ? "blocking" : "online",
                s.backupNanos() / 1e6,
                s.longestWaitNanos() / 1e6,
                s.commits(),
                load);
          }
        }
      } finally {
        SystemProbe.deleteTree(dir);
      }
    }
    summarize(rows);
    run.writeResults("snapshot-stall", rows);
    return 0;
  }

  private long load(StorageEngine e, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    long loaded = 0;
    long key = 0;
    while (loaded < bytes) {
      try (WriteTxn txn = e.beginWrite()) {
        for (int i = 0; i < LOAD_BATCH && loaded < bytes; i++, key++) {
          byte[] k = String.format(Locale.ROOT, "k%012d", key).getBytes(StandardCharsets.UTF_8);
          byte[] v = new byte[valueSize];
          random.nextBytes(v);
          txn.put(k, v);
          loaded += k.length + v.length;
        }
        txn.commit();
      }
    }
    return key;
  }

  private static Sample measure(StorageEngine e, boolean blocking, Path copy)
      throws InterruptedException {
    // Fair, so the backup gets the lock at the applier's next commit instead of waiting for a
    // gap in a stream of barging re-locks (on the apply thread there is no such wait at all).
    ReentrantLock applyLock = new ReentrantLock(true);
    AtomicBoolean stop = new AtomicBoolean();
    AtomicBoolean measuring = new AtomicBoolean();
    AtomicLong longest = new AtomicLong();
    AtomicLong commits = new AtomicLong();
    byte[] value = new byte[100];
    Thread applier =
        new Thread(
            () -> {
              long n = 0;
              while (!stop.get()) {
                byte[] k =
                    String.format(Locale.ROOT, "a%08d", n++ % 100_000)
                        .getBytes(StandardCharsets.UTF_8);
                long start = System.nanoTime();
                applyLock.lock();
                try {
                  e.put(k, value);
                } finally {
                  applyLock.unlock();
                }
                long waited = System.nanoTime() - start;
                if (measuring.get()) {
                  longest.accumulateAndGet(waited, Math::max);
                  commits.incrementAndGet();
                }
              }
            },
            "applier");
    applier.start();
    Thread.sleep(200);
    long backupNanos;
    if (blocking) {
      applyLock.lock();
      try {
        measuring.set(true);
        long start = System.nanoTime();
        e.backup(copy);
        backupNanos = System.nanoTime() - start;
      } finally {
        applyLock.unlock();
      }
    } else {
      measuring.set(true);
      long start = System.nanoTime();
      e.backup(copy);
      backupNanos = System.nanoTime() - start;
    }
    // The commit that waited for a blocking backup finishes just after it: let it be counted.
    long after = commits.get();
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (commits.get() == after && System.nanoTime() < deadline) {
      Thread.sleep(1);
    }
    measuring.set(false);
    stop.set(true);
    applier.join();
    return new Sample(backupNanos, longest.get(), commits.get());
  }

  private static void summarize(List<Map<String, Object>> rows) {
    Map<String, List<Double>> waits = new LinkedHashMap<>();
    Map<String, List<Double>> backups = new LinkedHashMap<>();
    for (Map<String, Object> row : rows) {
      String key = row.get("engine") + " " + row.get("mode");
      waits
          .computeIfAbsent(key, k -> new ArrayList<>())
          .add((Double) row.get("longest_commit_wait_ms_per_gib"));
      backups
          .computeIfAbsent(key, k -> new ArrayList<>())
          .add((Double) row.get("backup_ms") / (Double) row.get("logical_gib"));
    }
    System.out.println("median (min..max) per GiB loaded:");
    for (String key : waits.keySet()) {
      List<Double> w = sorted(waits.get(key));
      List<Double> b = sorted(backups.get(key));
      System.out.printf(
          Locale.ROOT,
          "  %-16s longest commit wait %8.1f ms (%.1f..%.1f), backup %8.1f ms (%.1f..%.1f)%n",
          key,
          median(w),
          w.get(0),
          w.get(w.size() - 1),
          median(b),
          b.get(0),
          b.get(b.size() - 1));
    }
  }

  private static List<Double> sorted(List<Double> values) {
    List<Double> out = new ArrayList<>(values);
    out.sort(null);
    return out;
  }

  private static double median(List<Double> sorted) {
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  private static long sizeOf(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
    }
  }

  private static String loadAverage() {
    try {
      String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return parts[0] + " " + parts[1] + " " + parts[2];
    } catch (IOException | RuntimeException e) {
      return "n/a";
    }
  }
}
