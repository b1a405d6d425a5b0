package dev.strata.bench.raft;

import dev.strata.bench.raft.RaftCommand.Row;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The summary of a run: per engine, setup and workload the median over rounds and the spread
 * (min–max) of the rate, the median p50/p99, the median CPU time per operation, and the ratio of
 * the rate to the single-node engine's for the same workload in the same round (reads: to the
 * single-node engine's reads). Stateless.
 */
final class Summary {
  private Summary() {}

  static String commitWorkload(int puts, int threads) {
    return "commit " + puts + "-put, " + threads + (threads == 1 ? " client" : " clients");
  }

  private static String baselineWorkload(String workload) {
    return workload.startsWith("reads") ? "reads" : workload;
  }

  private record Line(
      String engine,
      String setup,
      String workload,
      double[] rates,
      double[] p50s,
      double[] p99s,
      double[] cpus,
      double[] ratios,
      String loads) {}

  private static List<Line> lines(List<Row> rows, List<String> engines) {
    Map<String, List<Row>> groups = new LinkedHashMap<>();
    for (String engine : engines) {
      for (Row r : rows) {
        if (r.engine().equals(engine)) {
          groups
              .computeIfAbsent(
                  r.engine() + "|" + r.setup() + "|" + r.workload(), k -> new ArrayList<>())
              .add(r);
        }
      }
    }
    List<Line> out = new ArrayList<>();
    for (List<Row> g : groups.values()) {
      Row first = g.get(0);
      List<Double> ratios = new ArrayList<>();
      StringBuilder loads = new StringBuilder();
      for (Row r : g) {
        loads.append(loads.length() == 0 ? "" : " ").append(r.loadAverage());
        for (Row b : rows) {
          if (b.round() == r.round()
              && b.engine().equals(r.engine())
              && b.setup().equals(RaftCommand.SINGLE)
              && b.workload().equals(baselineWorkload(r.workload()))) {
            ratios.add(r.opsPerSecond() / b.opsPerSecond());
          }
        }
      }
      out.add(
          new Line(
              first.engine(),
              first.setup(),
              first.workload(),
              values(g, Row::opsPerSecond),
              values(g, Row::p50Millis),
              values(g, Row::p99Millis),
              values(g, Row::cpuMillisPerOp),
              ratios.stream().mapToDouble(Double::doubleValue).sorted().toArray(),
              loads.toString()));
    }
    return out;
  }

  private static double[] values(List<Row> g, ToDoubleFunction<Row> f) {
    return g.stream().mapToDouble(f).sorted().toArray();
  }

  private static double median(double[] sorted) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int m = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
  }

  private static String spread(double[] sorted, String format) {
    if (sorted.length == 0) {
      return "-";
    }
    return String.format(Locale.ROOT, format + "–" + format, sorted[0], sorted[sorted.length - 1]);
  }

  /** The console and file table. */
  static String table(List<Row> rows, List<String> engines, String snapshotLine) {
    StringBuilder b = new StringBuilder();
    b.append(
        String.format(
            Locale.ROOT,
            "%-7s %-20s %-30s %10s %17s %8s %8s %9s %6s %11s  %s%n",
            "engine",
            "setup",
            "workload",
            "median/s",
            "range/s",
            "p50 ms",
            "p99 ms",
            "cpu ms/op",
            "ratio",
            "ratio range",
            "load averages"));
    for (Line l : lines(rows, engines)) {
      b.append(
          String.format(
              Locale.ROOT,
              "%-7s %-20s %-30s %10.0f %17s %8.2f %8.2f %9.3f %6.2f %11s  %s%n",
              l.engine(),
              l.setup(),
              l.workload(),
              median(l.rates()),
              spread(l.rates(), "%.0f"),
              median(l.p50s()),
              median(l.p99s()),
              median(l.cpus()),
              median(l.ratios()),
              spread(l.ratios(), "%.2f"),
              l.loads()));
    }
    b.append(
        "ratio = rate / the single-node SYNC engine's rate for the same workload in the same round"
            + " (reads: its reads); cpu = the process's CPU time (all replicas, clients, JVM) per"
            + " operation; medians over rounds.\n");
    if (snapshotLine != null) {
      b.append(snapshotLine).append('\n');
    }
    return b.toString();
  }

  /** The summary as CSV lines, with a header. */
  static List<String> csv(List<Row> rows, List<String> engines) {
    List<String> out = new ArrayList<>();
    out.add(
        "engine,setup,workload,rounds,median_ops_per_s,min_ops_per_s,max_ops_per_s,median_p50_ms,"
            + "median_p99_ms,median_cpu_ms_per_op,median_ratio_to_single_sync,min_ratio,max_ratio,"
            + "load_averages");
    for (Line l : lines(rows, engines)) {
      out.add(
          String.format(
              Locale.ROOT,
              "%s,\"%s\",\"%s\",%d,%.1f,%.1f,%.1f,%.3f,%.3f,%.4f,%.3f,%.3f,%.3f,%s",
              l.engine(),
              l.setup(),
              l.workload(),
              l.rates().length,
              median(l.rates()),
              l.rates()[0],
              l.rates()[l.rates().length - 1],
              median(l.p50s()),
              median(l.p99s()),
              median(l.cpus()),
              median(l.ratios()),
              l.ratios().length == 0 ? Double.NaN : l.ratios()[0],
              l.ratios().length == 0 ? Double.NaN : l.ratios()[l.ratios().length - 1],
              l.loads()));
    }
    return out;
  }
}
