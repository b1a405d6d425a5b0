package dev.strata.bench.etcd;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

/**
 * The chart of {@code etcd-stall}: put latency percentiles (p50, p99, p99.9, max) of the fixed-rate
 * phase per target, on a logarithmic axis, drawn headless with XChart. Thread-safe (stateless).
 */
final class LatencyChart {
  static {
    System.setProperty("java.awt.headless", "true");
  }

  /** A log axis cannot show 0: shorter latencies are drawn at this many milliseconds. */
  private static final double FLOOR_MILLIS = 0.01;

  private LatencyChart() {}

  /**
   * Writes {@code file} (PNG) with one group of bars per target.
   *
   * @param title the chart's title
   * @throws IOException if the file cannot be written
   */
  static void write(Path file, String title, List<EtcdStallCommand.Row> rows) throws IOException {
    CategoryChart chart =
        new CategoryChartBuilder()
            .width(1000)
            .height(520)
            .title(title)
            .yAxisTitle("put latency from the scheduled start, ms (log)")
            .build();
    chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
    chart.getStyler().setYAxisLogarithmic(true);
    chart.getStyler().setAvailableSpaceFill(0.8);
    List<String> targets = rows.stream().map(EtcdStallCommand.Row::target).toList();
    String[] names = {"p50", "p99", "p99.9", "max"};
    double smallest = Double.MAX_VALUE;
    for (int p = 0; p < names.length; p++) {
      int which = p;
      List<Double> values =
          rows.stream().map(r -> Math.max(FLOOR_MILLIS, percentile(r, which))).toList();
      smallest =
          Math.min(smallest, values.stream().mapToDouble(Double::doubleValue).min().orElse(1));
      chart.addSeries(names[p], targets, values);
    }
    // Bars grow from the axis minimum, which on a log axis must be above zero.
    chart.getStyler().setYAxisMin(Math.pow(10, Math.floor(Math.log10(smallest))));
    BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
  }

  private static double percentile(EtcdStallCommand.Row r, int which) {
    return switch (which) {
      case 0 -> r.p50Millis();
      case 1 -> r.p99Millis();
      case 2 -> r.p999Millis();
      default -> r.maxMillis();
    };
  }
}
