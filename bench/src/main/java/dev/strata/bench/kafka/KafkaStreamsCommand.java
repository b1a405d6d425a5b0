package dev.strata.bench.kafka;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
      description = "Strata durability, SYNC or NO_SYNC (default: ${DEFAULT-VALUE}).")
  String durability = "SYNC";

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
            + " %s; JDK %s, %d cores%n",
        records,
        keys,
        commitEvery,
        rangeEvery,
        durability,
        System.getProperty("java.version"),
        Runtime.getRuntime().availableProcessors());
    List<Map<String, String>> rows = new ArrayList<>();
    for (String store : stores) {
      Map<String, String> row = runChild(store);
      if (row == null) {
        return 1;
      }
      rows.add(row);
    }
    printTable(rows);
    return 0;
  }

  private Map<String, String> runChild(String store) throws IOException, InterruptedException {
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
            dir.resolve(store).toString());
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    Map<String, String> row = null;
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        if (line.startsWith(StoreRun.RESULT)) {
          row = parse(line.substring(StoreRun.RESULT.length()));
        } else if (!line.startsWith("SLF4J")) {
          System.out.println("  [" + store + "] " + line);
        }
      }
    }
    int exit = p.waitFor();
    if (exit != 0 || row == null) {
      System.err.println("kafka-streams: the run of " + store + " failed (exit " + exit + ")");
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

  private static void printTable(List<Map<String, String>> rows) {
    double rocksCount = Double.NaN;
    double rocksRange = Double.NaN;
    double rocksRestore = Double.NaN;
    for (Map<String, String> r : rows) {
      if (r.get("store").equals("kafka-rocksdb")) {
        rocksCount = Double.parseDouble(r.get("countPerSec"));
        rocksRange = Double.parseDouble(r.get("rangePerSec"));
        rocksRestore = Double.parseDouble(r.get("restoreMillis"));
      }
    }
    System.out.println();
    System.out.println(
        "| store | count records/s | vs RocksDB | range queries/s | vs RocksDB | restore s |"
            + " vs RocksDB | wchar count MB | wchar restore MB | heap MB | peak RSS MB |");
    System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (Map<String, String> r : rows) {
      double count = Double.parseDouble(r.get("countPerSec"));
      double range = Double.parseDouble(r.get("rangePerSec"));
      double restore = Double.parseDouble(r.get("restoreMillis"));
      System.out.printf(
          Locale.ROOT,
          "| %s | %,.0f | %.2fx | %,.0f | %.2fx | %.2f | %.2fx | %,.1f | %,.1f | %,.0f | %,.0f |%n",
          r.get("store"),
          count,
          count / rocksCount,
          range,
          range / rocksRange,
          restore / 1000,
          rocksRestore / restore,
          mb(r.get("wcharCount")),
          mb(r.get("wcharRestore")),
          mb(r.get("heapBytes")),
          mb(r.get("peakRssBytes")));
    }
    System.out.println(
        "(vs RocksDB: ratio to Kafka's RocksDB store in this run; restore ratio > 1 means faster.)");
  }

  private static double mb(String bytes) {
    return Long.parseLong(bytes) / 1e6;
  }
}
