package dev.strata.bench.runner;

import dev.strata.api.Durability;
import dev.strata.api.EngineOptions;
import dev.strata.api.StorageEngine;
import dev.strata.api.WriteAmplificationMeter;
import dev.strata.bench.Keys;
import java.io.IOException;
import java.nio.file.Files;
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
 * {@code strata-bench scale}: grows one store per engine through a list of sizes and, at each size,
 * measures read latency, write latency, write amplification and memory, as the seed projects'
 * tables did. Draws the dual-axis chart (latency and WA against size) per engine.
 */
@Command(
    name = "scale",
    mixinStandardHelpOptions = true,
    description = {
      "Grows a store per engine through --sizes (logical bytes of keys + values) and measures, at"
          + " each size: random-read latency, single-put commit latency, write amplification"
          + " (meter and OS) of the load and of the updates, disk, heap and RSS.",
      "Loads commit "
          + ScaleCommand.LOAD_BATCH
          + " keys at a time; the write-latency sample commits one put at a time. Stops early,"
          + " with a note, when the disk cannot hold the next size."
    })
final class ScaleCommand implements Callable<Integer> {
  static final int LOAD_BATCH = 1000;

  /** One engine at one size. */
  record Point(
      String engine,
      long targetBytes,
      long keys,
      long logicalBytes,
      double loadSeconds,
      double readP50,
      double readP99,
      double readP999,
      double writeP50,
      double writeP99,
      double writeP999,
      double meterAmplification,
      double osAmplification,
      double updateMeterAmplification,
      double updateOsAmplification,
      long diskBytes,
      long heapBytes,
      long rssBytes) {

    Map<String, Object> columns() {
      Map<String, Object> c = new LinkedHashMap<>();
      c.put("engine", engine);
      c.put("targetBytes", targetBytes);
      c.put("keys", keys);
      c.put("logicalBytes", logicalBytes);
      c.put("loadSeconds", loadSeconds);
      c.put("readP50Micros", readP50);
      c.put("readP99Micros", readP99);
      c.put("readP999Micros", readP999);
      c.put("writeP50Micros", writeP50);
      c.put("writeP99Micros", writeP99);
      c.put("writeP999Micros", writeP999);
      c.put("loadMeterAmplification", meterAmplification);
      c.put("loadOsAmplification", osAmplification);
      c.put("updateMeterAmplification", updateMeterAmplification);
      c.put("updateOsAmplification", updateOsAmplification);
      c.put("diskBytes", diskBytes);
      c.put("heapBytes", heapBytes);
      c.put("rssBytes", rssBytes);
      return c;
    }
  }

  @Mixin EngineListOption engines = new EngineListOption();

  @Mixin RunOptions run = new RunOptions();

  @Option(
      names = "--sizes",
      split = ",",
      paramLabel = "SIZE",
      description = "Store sizes to reach, with binary suffixes (default: ${DEFAULT-VALUE}).")
  List<String> sizes = new ArrayList<>(List.of("256MiB", "1GiB", "2GiB", "4GiB", "8GiB"));

  @Mixin WorkloadOptions workload = new WorkloadOptions(1000, Durability.SYNC);

  @Option(
      names = "--read-samples",
      description = "Random gets timed at each size (default: ${DEFAULT-VALUE}).")
  long readSamples = 20_000;

  @Option(
      names = "--write-samples",
      description = "Single-put commits timed at each size (default: ${DEFAULT-VALUE}).")
  long writeSamples = 1_000;

  @Option(
      names = "--replot",
      paramLabel = "CSV",
      description = "Only redraw the charts of an earlier run's CSV into --out.")
  Path replot;

  @Override
  public Integer call() throws IOException {
    if (replot != null) {
      return replot(replot);
    }
    List<String> names = engines.resolve();
    List<Long> targets = new ArrayList<>();
    for (String s : sizes) {
      targets.add(parseSize(s));
    }
    long runSeed = run.start();
    EngineOptions options = run.options(workload.durability());
    System.out.println(
        "strata-bench scale: "
            + names
            + ", sizes "
            + sizes
            + ", values "
            + workload.valueSize()
            + " B, "
            + workload.durability());
    List<Point> points = new ArrayList<>();
    Path base = run.resultBase("scale");
    for (String name : names) {
      List<Point> enginePoints = runEngine(name, options, targets, runSeed);
      points.addAll(enginePoints);
      if (!enginePoints.isEmpty()) {
        Charts.scaleChart(Path.of(base + "-" + name + ".png"), name, enginePoints);
      }
    }
    print(points);
    run.writeResults("scale", points.stream().map(Point::columns).toList());
    System.out.println("and one PNG per engine beside them");
    return 0;
  }

  private int replot(Path csv) throws IOException {
    List<String> lines = Files.readAllLines(csv);
    if (lines.isEmpty()) {
      throw new BenchException(csv + " is empty");
    }
    List<String> header = List.of(lines.get(0).split(","));
    Map<String, List<Point>> byEngine = new LinkedHashMap<>();
    for (String line : lines.subList(1, lines.size())) {
      String[] cells = line.split(",", -1);
      java.util.function.ToDoubleFunction<String> num =
          column -> {
            String cell = cells[header.indexOf(column)];
            return cell.isEmpty() ? Double.NaN : Double.parseDouble(cell);
          };
      Point p =
          new Point(
              cells[0],
              (long) num.applyAsDouble("targetBytes"),
              (long) num.applyAsDouble("keys"),
              (long) num.applyAsDouble("logicalBytes"),
              num.applyAsDouble("loadSeconds"),
              num.applyAsDouble("readP50Micros"),
              num.applyAsDouble("readP99Micros"),
              num.applyAsDouble("readP999Micros"),
              num.applyAsDouble("writeP50Micros"),
              num.applyAsDouble("writeP99Micros"),
              num.applyAsDouble("writeP999Micros"),
              num.applyAsDouble("loadMeterAmplification"),
              num.applyAsDouble("loadOsAmplification"),
              num.applyAsDouble("updateMeterAmplification"),
              num.applyAsDouble("updateOsAmplification"),
              (long) num.applyAsDouble("diskBytes"),
              (long) num.applyAsDouble("heapBytes"),
              (long) num.applyAsDouble("rssBytes"));
      byEngine.computeIfAbsent(p.engine(), e -> new ArrayList<>()).add(p);
    }
    String base = csv.getFileName().toString().replaceFirst("\\.csv$", "");
    for (Map.Entry<String, List<Point>> e : byEngine.entrySet()) {
      Charts.scaleChart(
          run.out.resolve(base + "-" + e.getKey() + ".png"), e.getKey(), e.getValue());
    }
    print(byEngine.values().stream().flatMap(List::stream).toList());
    return 0;
  }

  private static long parseSize(String s) {
    EngineOptions o = EngineOptions.builder().set("bench.size", s).build();
    return o.longSetting("bench.size", 0, 1, Long.MAX_VALUE);
  }

  private List<Point> runEngine(
      String name, EngineOptions options, List<Long> targets, long runSeed) throws IOException {
    List<Point> points = new ArrayList<>();
    Path dir = run.workDir.resolve(name);
    int valueSize = workload.valueSize();
    int entryBytes = Keys.KEY_SIZE + valueSize;
    MeasuredEngine m = MeasuredEngine.openFresh(name, dir, options);
    try {
      StorageEngine db = m.engine();
      long loaded = 0;
      double loadSeconds = 0;
      SystemProbe.Io ioAtOpen = SystemProbe.io();
      for (long target : targets) {
        long targetKeys = Math.max(LOAD_BATCH, target / entryBytes);
        long needed = (targetKeys - loaded) * entryBytes;
        long free = Files.getFileStore(Files.createDirectories(run.workDir)).getUsableSpace();
        if (needed * 3 > free) {
          System.out.printf(
              Locale.ROOT,
              "%s: stopping before %s: %d MiB free, %d MiB needed" + " with headroom%n",
              name,
              human(target),
              free >> 20,
              (needed * 3) >> 20);
          break;
        }
        long from = loaded;
        PhaseRunner.Stats load =
            PhaseRunner.inBatches(
                name + " load to " + human(target),
                db,
                from,
                targetKeys,
                LOAD_BATCH,
                runSeed,
                (txn, k, random) -> {
                  // Ids scrambled within a size step, appended across steps, so the store grows.
                  long id = from + Keys.loadOrder(k - from, targetKeys - from);
                  txn.put(Keys.key(id), Keys.value(random, valueSize));
                });
        loaded = targetKeys;
        loadSeconds += load.seconds();
        SystemProbe.syncDirectory(dir);
        WriteAmplificationMeter.Snapshot total = db.meter().snapshot();
        long osLoad = SystemProbe.io().minus(ioAtOpen).syscallBytes();
        long storeKeys = loaded;
        PhaseRunner.Stats reads =
            PhaseRunner.run(
                name + " reads",
                1,
                readSamples,
                Double.MAX_VALUE,
                0,
                runSeed + 1,
                (i, random) -> {
                  long id = random.nextLong(storeKeys);
                  if (db.get(Keys.key(id)) == null) {
                    throw new BenchException(name + " lost key " + id + " (seed " + runSeed + ")");
                  }
                  return 1;
                });
        PhaseResult writes =
            m.measure(
                "update",
                1,
                1,
                () ->
                    PhaseRunner.run(
                        name + " writes",
                        1,
                        writeSamples,
                        Double.MAX_VALUE,
                        0,
                        runSeed + 2,
                        (i, random) -> {
                          db.put(
                              Keys.key(random.nextLong(storeKeys)), Keys.value(random, valueSize));
                          return 1;
                        }));
        boolean metered = writes.meterPhysicalBytes() >= 0;
        points.add(
            new Point(
                name,
                target,
                loaded,
                loaded * entryBytes,
                loadSeconds,
                reads.micros(50),
                reads.micros(99),
                reads.micros(99.9),
                writes.p50Micros(),
                writes.p99Micros(),
                writes.p999Micros(),
                metered ? total.amplification() : Double.NaN,
                total.logicalBytes() > 0 ? (double) osLoad / total.logicalBytes() : Double.NaN,
                writes.meterAmplification(),
                writes.syscallAmplification(),
                writes.diskBytes(),
                writes.heapBytes(),
                writes.rssBytes()));
        Point p = points.get(points.size() - 1);
        System.out.printf(
            Locale.ROOT,
            "%s @ %s: read p50 %.1f us, write p50 %.1f us, load WA %.2f"
                + " (write calls), disk %d MiB%n",
            name,
            human(target),
            p.readP50(),
            p.writeP50(),
            p.osAmplification(),
            p.diskBytes() >> 20);
      }
    } finally {
      m.close();
      SystemProbe.deleteTree(dir);
    }
    return points;
  }

  private static String human(long bytes) {
    if (bytes >= 1L << 30 && bytes % (1L << 30) == 0) {
      return (bytes >> 30) + "GiB";
    }
    return (bytes >> 20) + "MiB";
  }

  private static void print(List<Point> points) {
    System.out.println();
    System.out.printf(
        Locale.ROOT,
        "%-8s %9s %10s %9s %9s %9s %9s %9s %9s %9s %9s %9s %8s%n",
        "engine",
        "size",
        "keys",
        "read p50",
        "read p99",
        "write p50",
        "write p99",
        "WA load",
        "WA(sysc)",
        "WA upd",
        "WA(sysc)",
        "disk MiB",
        "RSS MiB");
    for (Point p : points) {
      System.out.printf(
          Locale.ROOT,
          "%-8s %9s %10d %9.1f %9.1f %9.1f %9.1f %9s %9s %9s %9s %9d %8d%n",
          p.engine(),
          human(p.targetBytes()),
          p.keys(),
          p.readP50(),
          p.readP99(),
          p.writeP50(),
          p.writeP99(),
          fmt(p.meterAmplification()),
          fmt(p.osAmplification()),
          fmt(p.updateMeterAmplification()),
          fmt(p.updateOsAmplification()),
          p.diskBytes() >> 20,
          p.rssBytes() >> 20);
    }
    System.out.println(
        "(latencies in us; WA load = cumulative since the store was created,"
            + " updates included; WA upd = the single-put commits at that size)");
  }

  private static String fmt(double v) {
    return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.2f", v);
  }
}
