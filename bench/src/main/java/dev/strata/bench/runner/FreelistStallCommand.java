package dev.strata.bench.runner;

import dev.strata.api.Durability;
import dev.strata.api.EngineOptions;
import dev.strata.api.StorageEngine;
import dev.strata.bench.Keys;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code strata-bench freelist-stall}: the etcd/Alibaba freelist experiment on this machine. Builds
 * a large {@code btree} store, deletes scattered keys so the freelist holds many fragmented pages,
 * then lets 100 client threads put random pairs at a capped total rate, once per freelist
 * implementation ({@code btree.freelist=array} and {@code =hash}). The original (100 clients, 1M
 * puts, 5,000 op/s) took 4,974 s with the array freelist and 210 s with the hash one (24x).
 */
@Command(
    name = "freelist-stall",
    mixinStandardHelpOptions = true,
    description = {
      "Builds a store of --keys entries, deletes every --delete-every-th key so the"
          + " freelist fragments, then runs --clients threads doing --puts single-put commits at"
          + " --rate op/s in total, once per --freelists value. Prints completion time, latency"
          + " percentiles (measured from each put's scheduled start) and the time ratio.",
      "--value-size is the built store's: large values give one freed page per deleted key."
          + " --durability defaults to NO_SYNC: etcd batches thousands of puts per fsync, so a"
          + " sync per put would hide the freelist."
    })
final class FreelistStallCommand implements Callable<Integer> {
  private static final int LOAD_BATCH = 1000;

  @Option(names = "--engine", description = "Engine to run (default: ${DEFAULT-VALUE}).")
  String engine = "btree";

  @Option(
      names = "--freelists",
      split = ",",
      description = "Values of btree.freelist to compare (default: ${DEFAULT-VALUE}).")
  List<String> freelists = new ArrayList<>(List.of("array", "hash"));

  @Mixin KeysOption keyCount = new KeysOption(1_000_000);

  @Mixin WorkloadOptions workload = new WorkloadOptions(4096, Durability.NO_SYNC);

  @Option(
      names = "--delete-every",
      description = "Delete every n-th key, scattering free pages (default: ${DEFAULT-VALUE}).")
  int deleteEvery = 2;

  @Option(
      names = "--clients",
      description = "Client threads (default: ${DEFAULT-VALUE}, as in the original).")
  int clients = 100;

  @Option(
      names = "--puts",
      description =
          "Puts in the stall phase (default: ${DEFAULT-VALUE}; the original did 1,000,000).")
  long puts = 100_000;

  @Option(
      names = "--rate",
      description = "Total put rate cap, op/s (default: ${DEFAULT-VALUE}, as in the original).")
  double rate = 5_000;

  @Option(
      names = "--put-value-size",
      description = "Value size of the stall phase's puts (default: ${DEFAULT-VALUE}).")
  int putValueSize = 256;

  @Mixin RunOptions run = new RunOptions();

  @Override
  public Integer call() throws Exception {
    long keys = keyCount.keys();
    if (keys < deleteEvery || deleteEvery < 2 || clients < 1 || puts < 1 || rate <= 0) {
      throw new BenchException(
          "need --keys >= --delete-every >= 2, --clients >= 1, --puts >= 1" + " and --rate > 0");
    }
    EngineSettings.resolve(List.of(engine));
    long runSeed = run.start();
    List<Map<String, Object>> rows = new ArrayList<>();
    for (String freelist : freelists) {
      rows.add(runOne(freelist, runSeed));
    }
    System.out.println();
    System.out.printf(
        Locale.ROOT,
        "%-10s %12s %10s %10s %10s %10s %10s%n",
        "freelist",
        "completion s",
        "op/s",
        "p50 ms",
        "p99 ms",
        "p99.9 ms",
        "max ms");
    for (Map<String, Object> r : rows) {
      System.out.printf(
          Locale.ROOT,
          "%-10s %12s %10.0f %10.2f %10.2f %10.2f %10.2f%n",
          r.get("freelist"),
          completion(r),
          r.get("opsPerSecond"),
          r.get("p50Millis"),
          r.get("p99Millis"),
          r.get("p999Millis"),
          r.get("maxMillis"));
    }
    if (rows.size() >= 2) {
      // A run stopped by the time cap only bounds its completion time from below.
      double first = estimatedSeconds(rows.get(0));
      double second = estimatedSeconds(rows.get(1));
      boolean estimated =
          !(Boolean) rows.get(0).get("finished") || !(Boolean) rows.get(1).get("finished");
      System.out.printf(
          Locale.ROOT,
          "ratio %s/%s completion time: %s%.2fx (original: 4,974 s vs" + " 210 s, 24x)%n",
          rows.get(0).get("freelist"),
          rows.get(1).get("freelist"),
          estimated ? "about " : "",
          first / second);
      if (estimated) {
        System.out.println(
            "(a run hit the time cap: its completion time is extrapolated from"
                + " its put rate, puts / (op/s))");
      }
    }
    run.writeResults("freelist-stall", rows);
    return 0;
  }

  private String completion(Map<String, Object> row) {
    double seconds = (Double) row.get("completionSeconds");
    return (Boolean) row.get("finished")
        ? String.format(Locale.ROOT, "%.1f", seconds)
        : String.format(Locale.ROOT, "~%.0f (cap)", estimatedSeconds(row));
  }

  private double estimatedSeconds(Map<String, Object> row) {
    double seconds = (Double) row.get("completionSeconds");
    double rate = (Double) row.get("opsPerSecond");
    return (Boolean) row.get("finished") || rate <= 0 ? seconds : puts / rate;
  }

  private Map<String, Object> runOne(String freelist, long runSeed) throws Exception {
    Map<String, String> all = new LinkedHashMap<>();
    if (run.settings != null) {
      all.putAll(run.settings);
    }
    all.put("btree.freelist", freelist);
    EngineOptions options = EngineSettings.options(workload.durability(), all);
    long keys = keyCount.keys();
    int valueSize = workload.valueSize();
    Path dir = run.workDir.resolve(engine + "-freelist-" + freelist);
    MeasuredEngine m = MeasuredEngine.openFresh(engine, dir, options);
    try {
      StorageEngine db = m.engine();
      PhaseRunner.inBatches(
          "build " + freelist,
          db,
          0,
          keys,
          LOAD_BATCH,
          runSeed,
          (txn, k, random) -> txn.put(Keys.key(k), Keys.value(random, valueSize)));
      PhaseRunner.inBatches(
          "delete " + freelist,
          db,
          0,
          keys,
          LOAD_BATCH,
          runSeed,
          (txn, k, random) -> {
            if (k % deleteEvery == 0) {
              txn.delete(Keys.key(k));
            }
          });
      Map<String, Number> before = db.stats();
      System.out.println(
          engine
              + " freelist="
              + freelist
              + " after build+delete: "
              + before
              + ", disk "
              + (SystemProbe.directoryBytes(dir) >> 20)
              + " MiB");
      double cap = puts / rate * 50 + 60;
      PhaseRunner.Stats stall =
          PhaseRunner.run(
              "puts " + freelist,
              clients,
              puts,
              cap,
              rate,
              runSeed + 1,
              (i, random) -> {
                db.put(Keys.key(random.nextLong(keys * 2)), Keys.value(random, putValueSize));
                return 1;
              });
      if (stall.ops() < puts) {
        System.out.printf(
            Locale.ROOT,
            "%s: only %d of %d puts finished within the %.0f s cap%n",
            freelist,
            stall.ops(),
            puts,
            cap);
      }
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("engine", engine);
      row.put("freelist", freelist);
      row.put("keys", keys);
      row.put("deletedKeys", keys / deleteEvery);
      row.put("statsBefore", before.toString());
      row.put("puts", stall.ops());
      row.put("finished", stall.ops() >= puts);
      row.put("completionSeconds", stall.seconds());
      row.put("opsPerSecond", stall.opsPerSecond());
      row.put("p50Millis", stall.micros(50) / 1000);
      row.put("p99Millis", stall.micros(99) / 1000);
      row.put("p999Millis", stall.micros(99.9) / 1000);
      row.put("maxMillis", stall.latencyNanos().getMaxValue() / 1e6);
      row.put("statsAfter", db.stats().toString());
      return row;
    } finally {
      m.close();
      SystemProbe.deleteTree(dir);
    }
  }
}
