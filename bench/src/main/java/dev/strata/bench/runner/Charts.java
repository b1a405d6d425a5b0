package dev.strata.bench.runner;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.ToDoubleFunction;
import java.util.stream.DoubleStream;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** PNG charts of bench results, drawn headless with XChart. Thread-safe (stateless). */
final class Charts {
  static {
    System.setProperty("java.awt.headless", "true");
  }

  /** Stands in for 0 on a log axis, which cannot show it. */
  private static final double MIN_LOG_VALUE = 1e-2;

  private Charts() {}

  /**
   * Draws one bar per engine for each phase, on a logarithmic axis (engines differ by orders of
   * magnitude between synced writes and cached reads).
   */
  static void phaseBars(
      Path file,
      String title,
      String yTitle,
      List<PhaseResult> rows,
      ToDoubleFunction<PhaseResult> metric) {
    Set<String> phases = new LinkedHashSet<>();
    Set<String> engines = new LinkedHashSet<>();
    for (PhaseResult r : rows) {
      if (!r.phase().equals("total")) {
        phases.add(r.phase());
        engines.add(r.engine());
      }
    }
    CategoryChart chart =
        new CategoryChartBuilder().width(1000).height(520).title(title).yAxisTitle(yTitle).build();
    chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
    chart.getStyler().setYAxisLogarithmic(true);
    chart.getStyler().setAvailableSpaceFill(0.8);
    double smallest = Double.MAX_VALUE;
    for (String engine : engines) {
      List<String> x = new ArrayList<>();
      List<Double> y = new ArrayList<>();
      for (String phase : phases) {
        for (PhaseResult r : rows) {
          if (r.engine().equals(engine) && r.phase().equals(phase)) {
            x.add(phase);
            // A log axis cannot show 0; a missing bar reads as "not measured".
            double v = Math.max(metric.applyAsDouble(r), 1e-3);
            smallest = Math.min(smallest, v);
            y.add(v);
          }
        }
      }
      chart.addSeries(engine, x, y);
    }
    // Bars grow from the axis minimum; on a log axis that must be above zero.
    chart.getStyler().setYAxisMin(Math.pow(10, Math.floor(Math.log10(smallest))));
    save(chart, file);
  }

  /**
   * Draws the seeds' dual-axis chart for one engine: read and write latency (left axis, log) and
   * write amplification (right axis) against store size.
   */
  static void scaleChart(Path file, String engine, List<ScaleCommand.Point> points) {
    XYChart chart =
        new XYChartBuilder()
            .width(900)
            .height(500)
            .title(engine + ": latency and write amplification vs store size")
            .xAxisTitle("store size (MiB of logical data)")
            .build();
    chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
    double[] x = points.stream().mapToDouble(p -> p.logicalBytes() / 1048576.0).toArray();
    // Sizes double from point to point and reads take microseconds where synced writes take
    // milliseconds, so all axes are logarithmic. XChart labels every 1..9 x 10^n tick of a log
    // axis, which overlaps; so only decades are labelled, as plain numbers, and every axis is
    // widened to whole decades so that it always has at least two labels.
    chart.getStyler().setXAxisLogarithmic(true);
    chart.getStyler().setXAxisLogarithmicDecadeOnly(true);
    chart.getStyler().setXAxisDecimalPattern("#,##0");
    chart.getStyler().setYAxisLogarithmic(true);
    chart.getStyler().setYAxisLogarithmicDecadeOnly(true);
    chart.getStyler().putYAxisGroupDecimalPatternMap(0, "#,##0.##");
    chart.getStyler().putYAxisGroupDecimalPatternMap(1, "#,##0.##");
    widenToDecades(chart, -1, x);
    widenToDecades(
        chart,
        0,
        points.stream()
            .flatMapToDouble(
                p -> DoubleStream.of(p.readP50(), p.readP99(), p.writeP50(), p.writeP99()))
            .toArray());
    widenToDecades(
        chart,
        1,
        points.stream()
            .flatMapToDouble(p -> DoubleStream.of(p.osAmplification(), p.meterAmplification()))
            .toArray());
    chart.getStyler().setYAxisGroupPosition(1, Styler.YAxisPosition.Right);
    chart.setYAxisGroupTitle(0, "latency (us)");
    chart.setYAxisGroupTitle(1, "write amplification");
    series(
        chart,
        "read p50",
        x,
        points.stream().mapToDouble(ScaleCommand.Point::readP50).toArray(),
        0);
    series(
        chart,
        "read p99",
        x,
        points.stream().mapToDouble(ScaleCommand.Point::readP99).toArray(),
        0);
    series(
        chart,
        "write p50",
        x,
        points.stream().mapToDouble(ScaleCommand.Point::writeP50).toArray(),
        0);
    series(
        chart,
        "write p99",
        x,
        points.stream().mapToDouble(ScaleCommand.Point::writeP99).toArray(),
        0);
    double[] wa = points.stream().mapToDouble(ScaleCommand.Point::osAmplification).toArray();
    if (java.util.Arrays.stream(wa).allMatch(v -> v > 0)) {
      series(chart, "WA (write calls)", x, wa, 1).setLineStyle(SeriesLines.DASH_DASH);
    }
    double[] waMeter =
        points.stream().mapToDouble(ScaleCommand.Point::meterAmplification).toArray();
    if (java.util.Arrays.stream(waMeter).allMatch(v -> v > 0)) {
      series(chart, "WA (meter)", x, waMeter, 1).setLineStyle(SeriesLines.DOT_DOT);
    }
    save(chart, file);
  }

  /**
   * Sets {@code axis} (an X axis when {@code yGroup} is negative, else that Y axis group) to the
   * whole decades around the finite positive values; values the chart does not draw (NaN, or -1 for
   * "not measured") are ignored, and without any value the axis is left alone.
   */
  private static void widenToDecades(XYChart chart, int yGroup, double[] values) {
    double[] drawn = DoubleStream.of(values).filter(v -> v > 0 && Double.isFinite(v)).toArray();
    if (drawn.length == 0) {
      return;
    }
    double low = Math.max(DoubleStream.of(drawn).min().getAsDouble(), MIN_LOG_VALUE);
    double high = Math.max(DoubleStream.of(drawn).max().getAsDouble(), MIN_LOG_VALUE);
    double min = Math.pow(10, Math.floor(Math.log10(low)));
    double max = Math.max(Math.pow(10, Math.ceil(Math.log10(high))), min * 10);
    if (yGroup < 0) {
      chart.getStyler().setXAxisMin(min);
      chart.getStyler().setXAxisMax(max);
    } else {
      chart.getStyler().setYAxisMin(yGroup, min);
      chart.getStyler().setYAxisMax(yGroup, max);
    }
  }

  private static XYSeries series(XYChart chart, String name, double[] x, double[] y, int axis) {
    // A log axis cannot show 0 (an engine that wrote nothing, a latency below the clock's step).
    double[] positive = java.util.Arrays.stream(y).map(v -> Math.max(v, MIN_LOG_VALUE)).toArray();
    XYSeries s = chart.addSeries(name, x, positive);
    s.setYAxisGroup(axis);
    s.setMarker(SeriesMarkers.CIRCLE);
    return s;
  }

  private static void save(org.knowm.xchart.internal.chartpart.Chart<?, ?> chart, Path file) {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write chart " + file, e);
    }
  }
}
