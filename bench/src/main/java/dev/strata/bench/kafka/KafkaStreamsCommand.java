package dev.strata.bench.kafka;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code strata-bench kafka-streams}: the same count-by-key records through each store, through
 * Kafka's own store stack (metered store, serdes), each store in a child JVM ({@link StoreRun}).
 * Prints one table: count throughput, 1,000-entry range queries per second while counting, restore
 * time from a changelog of {@code --records} records, bytes written ({@code wchar}), heap after GC
 * and peak RSS.
 */
@Command(
    name = "kafka-streams",
    mixinStandardHelpOptions = true,
    description = {
      "Runs a count-by-key over --records records (--keys distinct keys) through Kafka Streams"
          + " key-value stores, committing every --commit-every records and running a 1,000-entry"
          + " range query every --range-every records; then restores a fresh store from a"
          + " --records-record changelog. One child JVM per store."
    })
public final class KafkaStreamsCommand implements Callable<Integer> {
  @Option(
      names = "--stores",
      split = ",",
      description = "Stores to run (default: ${DEFAULT-VALUE}).")
  List<String> stores =
      new ArrayList<>(List.of("kafka-rocksdb", "kafka-memory", "btree", "lsm", "ledger", "memory"));

  @Option(names = "--records", description = "Records counted (default: ${DEFAULT-VALUE}).")
  long records = 1_000_000;

  @Option(names = "--keys", description = "Distinct keys (default: ${DEFAULT-VALUE}).")
  int keys = 100_000;

  @Option(
      names = "--commit-every",
      description = "Records between Kafka commits (default: ${DEFAULT-VALUE}).")
  int commitEvery = 10_000;

  @Option(
      names = "--range-every",
      description = "Records between 1,000-entry range queries (default: ${DEFAULT-VALUE}).")
  int rangeEvery = 1_000;

  @Option(
      names = "--durability",
      split = ",",
      description =
          "Strata durabilities, each run for every Strata store (default: ${DEFAULT-VALUE}).")
  List<String> durabilities = new ArrayList<>(List.of("NO_SYNC", "SYNC"));

  @Option(
      names = "--rounds",
      description =
          "Rounds; each runs every store once, in order, so load drifts hit all stores alike."
              + " The table shows medians over rounds (default: ${DEFAULT-VALUE}).")
  int rounds = 3;

  @Option(names = "--dir", description = "Work directory (default: ${DEFAULT-VALUE}).")
  Path dir = Path.of("results", "work", "kafka-streams");

  @Option(names = "--heap", description = "Child JVM -Xmx (default: ${DEFAULT-VALUE}).")
  String heap = "2g";

  /** Creates the command; picocli instantiates it. */
  public KafkaStreamsCommand() {}

  @Override
  public Integer call() throws Exception {
    Files.createDirectories(dir);
    System.out.printf(
        Locale.ROOT,
        "kafka-streams: %,d records, %,d keys, commit every %,d, range query every %,d, Strata"
            + " %s, %d rounds; JDK %s, %d cores, load average %s%n",
        records,
        keys,
        commitEvery,
        rangeEvery,
        durabilities,
        rounds,
        System.getProperty("java.version"),
        Runtime.getRuntime().availableProcessors(),
        ProcFigures.loadAverage());
    List<String> variants = new ArrayList<>();
    for (String store : stores) {
      // Durability means nothing to Kafka's stores and to Strata's heap engine: run them once.
      if (store.startsWith("kafka-") || store.equals("memory")) {
        variants.add(store);
      } else {
        for (String d : durabilities) {
          variants.add(store + " " + d);
        }
      }
    }
    Map<String, List<Map<String, String>>> runs = new LinkedHashMap<>();
    for (int round = 1; round <= rounds; round++) {
      System.out.printf(
          Locale.ROOT, "round %d, load average %s%n", round, ProcFigures.loadAverage());
      for (String variant : variants) {
        Map<String, String> row = runChild(variant);
        if (row == null) {
          return 1;
        }
        System.out.printf(
            Locale.ROOT,
            "  %s: count %s/s, range %s/s, restore %s ms%n",
            variant,
            row.get("countPerSec"),
            row.get("rangePerSec"),
            row.get("restoreMillis"));
        runs.computeIfAbsent(variant, v -> new ArrayList<>()).add(row);
      }
    }
    System.out.printf(Locale.ROOT, "load average at the end %s%n", ProcFigures.loadAverage());
    printTable(runs);
    return 0;
  }

  private Map<String, String> runChild(String variant) throws IOException, InterruptedException {
    String store = variant.split(" ")[0];
    String durability = variant.contains(" ") ? variant.split(" ")[1] : "NO_SYNC";
    List<String> command =
        List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xmx" + heap,
            "-cp",
            System.getProperty("java.class.path"),
            StoreRun.class.getName(),
            store,
            Long.toString(records),
            Integer.toString(keys),
            Integer.toString(commitEvery),
            Integer.toString(rangeEvery),
            durability,
            dir.resolve(store + "-" + durability).toString());
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    Map<String, String> row = null;
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        if (line.startsWith(StoreRun.RESULT)) {
          row = parse(line.substring(StoreRun.RESULT.length()));
        } else if (!line.startsWith("SLF4J")) {
          System.out.println("  [" + variant + "] " + line);
        }
      }
    }
    int exit = p.waitFor();
    if (exit != 0 || row == null) {
      System.err.println("kafka-streams: the run of " + variant + " failed (exit " + exit + ")");
      return null;
    }
    return row;
  }

  private static Map<String, String> parse(String line) {
    Map<String, String> row = new LinkedHashMap<>();
    for (String field : line.trim().split(" ")) {
      int eq = field.indexOf('=');
      row.put(field.substring(0, eq), field.substring(eq + 1));
    }
    return row;
  }

  /**
   * Prints medians over rounds. Ratios are taken inside each round against that round's Kafka
   * RocksDB run, then the median of those ratios is shown, so a load swing between rounds does not
   * enter a ratio.
   */
  private static void printTable(Map<String, List<Map<String, String>>> runs) {
    List<Map<String, String>> rocks = runs.get("kafka-rocksdb");
    System.out.println();
    System.out.println(
        "| store | durability | count records/s | vs RocksDB | range queries/s | vs RocksDB |"
            + " restore s | vs RocksDB | wchar count MB | wchar restore MB | heap MB |"
            + " peak RSS MB |");
    System.out.println("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (Map.Entry<String, List<Map<String, String>>> e : runs.entrySet()) {
      List<Map<String, String>> rows = e.getValue();
      String[] name = e.getKey().split(" ");
      String durability = name.length > 1 ? name[1] : "(none)";
      System.out.printf(
          Locale.ROOT,
          "| %s | %s | %,.0f | %s | %,.0f | %s | %.2f | %s | %,.1f | %,.1f | %,.0f | %,.0f |%n",
          name[0],
          durability,
          median(rows, "countPerSec"),
          ratio(rows, rocks, "countPerSec", false),
          median(rows, "rangePerSec"),
          ratio(rows, rocks, "rangePerSec", false),
          median(rows, "restoreMillis") / 1000,
          ratio(rows, rocks, "restoreMillis", true),
          median(rows, "wcharCount") / 1e6,
          median(rows, "wcharRestore") / 1e6,
          median(rows, "heapBytes") / 1e6,
          median(rows, "peakRssBytes") / 1e6);
    }
    System.out.println(
        "(medians over rounds; vs RocksDB: median of the per-round ratios to Kafka's RocksDB store;"
            + " restore ratio > 1 means faster.)");
  }

  private static double median(List<Map<String, String>> rows, String field) {
    double[] values = new double[rows.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = Double.parseDouble(rows.get(i).get(field));
    }
    return median(values);
  }

  private static String ratio(
      List<Map<String, String>> rows,
      List<Map<String, String>> rocks,
      String field,
      boolean lowerIsBetter) {
    if (rocks == null) {
      return "n/a";
    }
    double[] ratios = new double[rows.size()];
    for (int i = 0; i < ratios.length; i++) {
      double mine = Double.parseDouble(rows.get(i).get(field));
      double theirs = Double.parseDouble(rocks.get(i).get(field));
      ratios[i] = lowerIsBetter ? theirs / mine : mine / theirs;
    }
    return String.format(Locale.ROOT, "%.2fx", median(ratios));
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  private static double mb(String bytes) {
    return Long.parseLong(bytes) / 1e6;
  }
}
