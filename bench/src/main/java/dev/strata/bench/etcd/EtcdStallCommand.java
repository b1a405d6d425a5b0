package dev.strata.bench.etcd;

import com.google.protobuf.ByteString;
import dev.strata.bench.runner.EngineFork;
import dev.strata.bench.runner.WorkDirsOption;
import io.etcd.jetcd.api.CompactionRequest;
import io.etcd.jetcd.api.DeleteRangeRequest;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.MaintenanceGrpc;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RequestOp;
import io.etcd.jetcd.api.StatusRequest;
import io.etcd.jetcd.api.TxnRequest;
import io.grpc.StatusRuntimeException;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code strata-bench etcd-stall}: etcd's freelist stall, end to end over etcd's API. For each
 * target (real etcd with bbolt's array or map freelist, strata-etcd on an engine): load {@code
 * --keys} keys of {@code --value-bytes}, delete a scattered half in blocks of six and compact, then
 * put {@code --put-value-bytes} values from {@code --clients} clients at {@code --rate} op/s in
 * total for {@code --duration} seconds, latency measured from each put's scheduled start; then
 * unthrottled put and range throughput, and the restart time. Every write is durable before it is
 * acknowledged on every target (etcd fsyncs its WAL; strata-etcd runs its engines under SYNC).
 */
@Command(
    name = "etcd-stall",
    mixinStandardHelpOptions = true,
    description = {
      "The etcd freelist experiment against real etcd (array and map freelist) and strata-etcd:"
          + " load, scattered delete + compaction, fixed-rate multi-page puts, throughput, restart."
    })
public final class EtcdStallCommand implements Callable<Integer> {
  private static final int LOAD_BATCH = 100;
  private static final int DELETE_BLOCK = 6;
  private static final int LOADERS = 4;

  /**
   * Keys of {@code --large}: etcd 3.4 leaves 386,000 free pages after deleting a scattered half of
   * 3,000,000 such keys, so 32,000,000 leave about 4.1 million (16.9 GB), where bbolt's array
   * freelist stalls commits for seconds.
   */
  static final long LARGE_KEYS = 32_000_000;

  /**
   * etcd's {@code --snapshot-count} under {@code --large} (etcd 3.6's default): with 3.4's 100,000
   * its memory holds 100,000 load entries of 100 keys, about 10 GB, besides the key index, and the
   * kernel killed it at 10 million keys on a 24 GiB machine.
   */
  static final long LARGE_SNAPSHOT_COUNT = 10_000;

  /**
   * etcd's soft memory limit under {@code --large}: its key index keeps about 330 bytes per key
   * alive, so 32 million keys need 10 GB, which Go's collector, left to its default, lets grow to
   * twice that before it collects.
   */
  static final String LARGE_MEMORY_LIMIT = "16GiB";

  @Option(
      names = "--targets",
      split = ",",
      description = "Servers to measure (default: ${DEFAULT-VALUE}).")
  List<String> targets =
      new ArrayList<>(List.of("etcd-array", "etcd-map", "btree", "btree-array", "lsm", "ledger"));

  @Option(names = "--keys", description = "Keys loaded (default: ${DEFAULT-VALUE}).")
  long keys = 300_000;

  @Option(
      names = "--large",
      description =
          "32,000,000 keys: the deleted half frees about 4.1 million pages (16.9 GB) on etcd, at the"
              + " 386,000 free pages per 3 million keys etcd 3.4 leaves here.")
  boolean large;

  @Option(names = "--value-bytes", description = "Loaded value size (default: ${DEFAULT-VALUE}).")
  int valueBytes = 1024;

  @Option(
      names = "--put-value-bytes",
      description = "Value size of the fixed-rate puts, several pages (default: ${DEFAULT-VALUE}).")
  int putValueBytes = 8192;

  @Option(names = "--clients", description = "Client threads (default: ${DEFAULT-VALUE}).")
  int clients = 100;

  @Option(names = "--rate", description = "Total put rate, op/s (default: ${DEFAULT-VALUE}).")
  double rate = 2000;

  @Option(
      names = "--duration",
      description = "Seconds of fixed-rate puts (default: ${DEFAULT-VALUE}).")
  int duration = 60;

  @Option(
      names = "--throughput-seconds",
      description = "Seconds of each unthrottled phase (default: ${DEFAULT-VALUE}).")
  int throughputSeconds = 15;

  @Option(names = "--etcd", description = "The etcd binary (default: etcd on the PATH).")
  String etcdBinary;

  @Option(
      names = "--etcd-snapshot-count",
      description =
          "etcd's --snapshot-count, the raft entries it keeps in memory between snapshots (default:"
              + " etcd's own, 100,000 in 3.4; "
              + LARGE_SNAPSHOT_COUNT
              + " with --large).")
  Long etcdSnapshotCount;

  @Option(
      names = "--etcd-memory-limit",
      description =
          "etcd's soft memory limit, Go's GOMEMLIMIT, e.g. 16GiB (default: none; "
              + LARGE_MEMORY_LIMIT
              + " with --large).")
  String etcdMemoryLimit;

  @Mixin WorkDirsOption dirs = new WorkDirsOption("etcd-stall");

  @Option(names = "--seed", description = "Seed of the random choices (default: time-based).")
  Long seed;

  @Option(
      names = "--server-jvm-args",
      description =
          "JVM flags of the strata-etcd server process, e.g. a flight recording; %%n becomes the"
              + " number of the start, 1 for the measured run and 2 for the restart (default: this"
              + " JVM's -X/-XX flags). The server JVM records a class-data sharing archive,"
              + " strata-etcd.jsa in its target directory, at the end of its first start and maps"
              + " it in the restart, unless these flags include -Xshare or an archive of their own.")
  String serverJvmArgs;

  /** Creates the command; picocli instantiates it. */
  public EtcdStallCommand() {}

  /** One target's figures. */
  record Row(
      String target,
      double loadKeysPerSecond,
      long deletedKeys,
      double achievedRate,
      double p50Millis,
      double p99Millis,
      double p999Millis,
      double maxMillis,
      double spillMillisPerCommit,
      double putsPerCommit,
      double putsPerSecond,
      double rangesPerSecond,
      double restartMillis,
      double putServerCpuMicros,
      double unthrottledPutsPerCommit) {}

  @Override
  public Integer call() throws Exception {
    if (large) {
      keys = LARGE_KEYS;
      if (etcdSnapshotCount == null) {
        etcdSnapshotCount = LARGE_SNAPSHOT_COUNT;
      }
      if (etcdMemoryLimit == null) {
        etcdMemoryLimit = LARGE_MEMORY_LIMIT;
      }
    }
    List<String> etcdFlags =
        etcdSnapshotCount == null
            ? List.of()
            : List.of("--snapshot-count", String.valueOf(etcdSnapshotCount));
    long runSeed = seed != null ? seed : System.nanoTime();
    System.out.println(
        "etcd-stall seed="
            + runSeed
            + " keys="
            + keys
            + " targets="
            + targets
            + (etcdFlags.isEmpty() ? "" : " etcd flags=" + etcdFlags)
            + (etcdMemoryLimit == null ? "" : " etcd GOMEMLIMIT=" + etcdMemoryLimit));
    String etcd = etcdBinary != null ? etcdBinary : onPath("etcd");
    List<Row> rows = new ArrayList<>();
    for (String name : targets) {
      if (name.startsWith("etcd-") && etcd == null) {
        System.out.println(name + ": skipped, no etcd binary (apt-get install -y etcd-server)");
        continue;
      }
      Path dir = dirs.workDir().resolve(name);
      deleteTree(dir);
      Files.createDirectories(dir);
      try (Target target =
          Target.of(
              name,
              dir,
              etcd,
              etcdFlags,
              etcdMemoryLimit,
              serverJvmArgs != null ? serverJvmArgs : EngineFork.defaultJvmArgs())) {
        rows.add(measure(target, new SplittableRandom(runSeed)));
      } finally {
        deleteTree(dir);
      }
      print(rows.get(rows.size() - 1));
      // Written after each target: a long run that stops early keeps the rows it finished.
      writeCsv(rows);
    }
    return 0;
  }

  private Row measure(Target target, SplittableRandom random) throws Exception {
    target.start();
    awaitReady(target);
    target.reportStart();
    KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(target.channel);
    byte[] value = bytes(random, valueBytes);
    long loadStart = System.nanoTime();
    parallel(
        LOADERS,
        worker -> {
          for (long from = (long) worker * LOAD_BATCH; from < keys; from += LOADERS * LOAD_BATCH) {
            TxnRequest.Builder txn = TxnRequest.newBuilder();
            for (long k = from; k < Math.min(keys, from + LOAD_BATCH); k++) {
              txn.addSuccess(
                  RequestOp.newBuilder()
                      .setRequestPut(
                          PutRequest.newBuilder()
                              .setKey(key(k))
                              .setValue(ByteString.copyFrom(value))));
            }
            kv.txn(txn.build());
          }
        });
    double loadRate = keys / seconds(System.nanoTime() - loadStart);
    printSpace(
        target,
        String.format(Locale.ROOT, "after the load (%,.0f keys/s)", loadRate),
        target.space());
    List<Long> blocks = new ArrayList<>();
    for (long b = 0; b * DELETE_BLOCK < keys; b++) {
      if (random.nextBoolean()) {
        blocks.add(b);
      }
    }
    AtomicLong deleted = new AtomicLong();
    parallel(
        LOADERS,
        worker -> {
          for (int i = worker; i < blocks.size(); i += LOADERS) {
            long first = blocks.get(i) * DELETE_BLOCK;
            deleted.addAndGet(
                kv.deleteRange(
                        DeleteRangeRequest.newBuilder()
                            .setKey(key(first))
                            .setRangeEnd(key(first + DELETE_BLOCK))
                            .build())
                    .getDeleted());
          }
        });
    long revision =
        kv.range(RangeRequest.newBuilder().setKey(key(0)).build()).getHeader().getRevision();
    kv.compact(CompactionRequest.newBuilder().setRevision(revision).setPhysical(true).build());
    Target.Reading compacted = target.read();
    printSpace(target, "after compaction", compacted.space());

    double[] spillBefore = compacted.spill();
    // Auto-resizing: a store that falls behind the rate can make a put wait for many minutes.
    Histogram latency = new ConcurrentHistogram(3);
    byte[] putValue = bytes(random, putValueBytes);
    long intervalNanos = (long) (1e9 / rate);
    long total = (long) (rate * duration);
    AtomicLong next = new AtomicLong();
    long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
    long seedForClients = random.nextLong();
    parallel(
        clients,
        worker -> {
          SplittableRandom r = new SplittableRandom(seedForClients + worker);
          for (long i = next.getAndIncrement(); i < total; i = next.getAndIncrement()) {
            long scheduled = start + i * intervalNanos;
            long wait = scheduled - System.nanoTime();
            if (wait > 0) {
              TimeUnit.NANOSECONDS.sleep(wait);
            }
            kv.put(
                PutRequest.newBuilder()
                    .setKey(key(r.nextLong(keys)))
                    .setValue(ByteString.copyFrom(putValue))
                    .build());
            latency.recordValue(Math.max(0, System.nanoTime() - scheduled));
          }
        });
    double achieved = total / seconds(System.nanoTime() - start);
    double[] spillAfter = target.spillSecondsAndCommits();
    double spillPerCommit = Double.NaN;
    double putsPerCommit = Double.NaN;
    if (spillBefore != null && spillAfter != null && spillAfter[1] > spillBefore[1]) {
      spillPerCommit = 1000 * (spillAfter[0] - spillBefore[0]) / (spillAfter[1] - spillBefore[1]);
      putsPerCommit = total / (spillAfter[1] - spillBefore[1]);
    }

    System.out.printf(
        Locale.ROOT,
        "%s: fixed-rate puts, %,.0f/s achieved, p99 %,.1f ms, max %,.1f ms%n",
        target.name,
        achieved,
        latency.getValueAtPercentile(99) / 1e6,
        latency.getMaxValue() / 1e6);
    double[] commitsBefore = spillAfter;
    long cpuBefore = target.cpuNanos();
    AtomicLong putsDone = new AtomicLong();
    double puts =
        unthrottled(
            (r, stub) ->
                stub.put(
                    PutRequest.newBuilder()
                        .setKey(key(r.nextLong(keys)))
                        .setValue(ByteString.copyFrom(putValue))
                        .build()),
            kv,
            random.nextLong(),
            putsDone);
    long cpuAfter = target.cpuNanos();
    double[] commitsAfter = target.spillSecondsAndCommits();
    double putServerCpuMicros =
        cpuBefore < 0 || cpuAfter < 0 ? Double.NaN : (cpuAfter - cpuBefore) / 1e3 / putsDone.get();
    double unthrottledPutsPerCommit =
        commitsBefore != null && commitsAfter != null && commitsAfter[1] > commitsBefore[1]
            ? putsDone.get() / (commitsAfter[1] - commitsBefore[1])
            : Double.NaN;
    double ranges =
        unthrottled(
            (r, stub) ->
                stub.range(RangeRequest.newBuilder().setKey(key(r.nextLong(keys))).build()),
            kv,
            random.nextLong(),
            new AtomicLong());

    target.stop();
    long restartStart = System.nanoTime();
    target.start();
    awaitReady(target);
    double restartMillis = (System.nanoTime() - restartStart) / 1e6;
    System.out.printf(
        Locale.ROOT,
        "%s: restarted in %.0f ms (from the launch until Status and Range answer)%n",
        target.name,
        restartMillis);
    target.reportStart();
    target.stop();
    return new Row(
        target.name,
        loadRate,
        deleted.get(),
        achieved,
        latency.getValueAtPercentile(50) / 1e6,
        latency.getValueAtPercentile(99) / 1e6,
        latency.getValueAtPercentile(99.9) / 1e6,
        latency.getMaxValue() / 1e6,
        spillPerCommit,
        putsPerCommit,
        puts,
        ranges,
        restartMillis,
        putServerCpuMicros,
        unthrottledPutsPerCommit);
  }

  /** One operation of an unthrottled phase. */
  private interface Operation {
    void run(SplittableRandom random, KVGrpc.KVBlockingStub kv);
  }

  /**
   * Runs {@code op} from every client for the throughput phase's seconds.
   *
   * @param done counts the operations done
   * @return operations per second
   */
  private double unthrottled(Operation op, KVGrpc.KVBlockingStub kv, long seed, AtomicLong done)
      throws Exception {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(throughputSeconds);
    long start = System.nanoTime();
    parallel(
        clients,
        worker -> {
          SplittableRandom r = new SplittableRandom(seed + worker);
          while (System.nanoTime() < end) {
            op.run(r, kv);
            done.incrementAndGet();
          }
        });
    return done.get() / seconds(System.nanoTime() - start);
  }

  /** Work of one thread of a phase. */
  private interface Worker {
    void run(int worker) throws Exception;
  }

  private static void parallel(int threads, Worker work) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int worker = t;
        futures.add(
            pool.submit(
                () -> {
                  work.run(worker);
                  return null;
                }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private static void awaitReady(Target target) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(30);
    while (true) {
      try {
        MaintenanceGrpc.newBlockingStub(target.channel)
            .withDeadlineAfter(2, TimeUnit.SECONDS)
            .status(StatusRequest.getDefaultInstance());
        KVGrpc.newBlockingStub(target.channel)
            .withDeadlineAfter(2, TimeUnit.SECONDS)
            .range(RangeRequest.newBuilder().setKey(key(0)).build());
        return;
      } catch (StatusRuntimeException e) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(target.name + " did not become ready", e);
        }
        Thread.sleep(20);
      }
    }
  }

  /** Prints {@code space} (from {@link Target#space}) unless the target reports none. */
  private static void printSpace(Target target, String when, String space) {
    if (space != null) {
      System.out.println(target.name + ": " + when + ", " + space);
    }
  }

  static ByteString key(long index) {
    return ByteString.copyFrom(
        String.format(Locale.ROOT, "k/%012d", index), StandardCharsets.US_ASCII);
  }

  private static byte[] bytes(SplittableRandom random, int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) random.nextInt(256);
    }
    return b;
  }

  private static double seconds(long nanos) {
    return nanos / 1e9;
  }

  private static String onPath(String name) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path candidate = Path.of(dir, name);
      if (Files.isExecutable(candidate)) {
        return candidate.toString();
      }
    }
    return null;
  }

  private static final String HEADER =
      "target,load_keys_per_s,deleted_keys,achieved_put_rate,put_p50_ms,put_p99_ms,put_p999_ms,"
          + "put_max_ms,spill_ms_per_commit,puts_per_commit,unthrottled_puts_per_s,"
          + "unthrottled_ranges_per_s,restart_ms,unthrottled_put_server_cpu_us,"
          + "unthrottled_puts_per_commit";

  private static String csv(Row r) {
    return String.format(
        Locale.ROOT,
        "%s,%.0f,%d,%.1f,%.2f,%.2f,%.2f,%.2f,%.3f,%.1f,%.0f,%.0f,%.0f,%.1f,%.1f",
        r.target(),
        r.loadKeysPerSecond(),
        r.deletedKeys(),
        r.achievedRate(),
        r.p50Millis(),
        r.p99Millis(),
        r.p999Millis(),
        r.maxMillis(),
        r.spillMillisPerCommit(),
        r.putsPerCommit(),
        r.putsPerSecond(),
        r.rangesPerSecond(),
        r.restartMillis(),
        r.putServerCpuMicros(),
        r.unthrottledPutsPerCommit());
  }

  private static void print(Row r) {
    System.out.println(HEADER);
    System.out.println(csv(r));
  }

  private void writeCsv(List<Row> rows) throws java.io.IOException {
    Files.createDirectories(dirs.out());
    List<String> lines = new ArrayList<>();
    lines.add(HEADER);
    rows.forEach(r -> lines.add(csv(r)));
    Path file = dirs.out().resolve("etcd-stall.csv");
    Files.write(file, lines, StandardCharsets.UTF_8);
    System.out.println("wrote " + file);
    if (!rows.isEmpty()) {
      Path chart = dirs.out().resolve("etcd-stall-put-latency.png");
      LatencyChart.write(
          chart,
          String.format(
              Locale.ROOT,
              "etcd-stall: %,d keys, %,d-byte puts at %,.0f/s from %d clients",
              keys,
              putValueBytes,
              rate,
              clients),
          rows);
      System.out.println("wrote " + chart);
    }
  }

  private static void deleteTree(Path dir) throws java.io.IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
