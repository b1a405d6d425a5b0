package dev.strata.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads meters back from a registry the way its users see them: through Micrometer's own API for a
 * {@link SimpleMeterRegistry}, and by parsing a fresh Prometheus text scrape for a {@link
 * PrometheusMeterRegistry}. Tags are given as name/value pairs in Micrometer notation.
 */
abstract class Readout {
  final MeterRegistry registry;

  private Readout(MeterRegistry registry) {
    this.registry = registry;
  }

  /** The registries the tests run against. */
  enum Kind {
    SIMPLE,
    PROMETHEUS;

    Readout create() {
      return this == SIMPLE ? new Simple() : new Prometheus();
    }
  }

  /** A function counter's value; fails when it is not registered. */
  abstract double counter(String name, String... tags);

  /** A timer's count; fails when it is not registered. */
  abstract double timerCount(String name, String... tags);

  /** A gauge's value; fails when it is not registered. */
  abstract double gauge(String name, String... tags);

  /** Reads every meter the way a scrape does. */
  abstract void scrapeAll();

  static final class Simple extends Readout {
    Simple() {
      super(new SimpleMeterRegistry());
    }

    @Override
    double counter(String name, String... tags) {
      FunctionCounter c = registry.get(name).tags(tags).functionCounter();
      return c.count();
    }

    @Override
    double timerCount(String name, String... tags) {
      Timer t = registry.get(name).tags(tags).timer();
      return t.count();
    }

    @Override
    double gauge(String name, String... tags) {
      Gauge g = registry.get(name).tags(tags).gauge();
      return g.value();
    }

    @Override
    void scrapeAll() {
      registry.getMeters().forEach(m -> m.measure().forEach(ms -> ms.getValue()));
    }
  }

  static final class Prometheus extends Readout {
    Prometheus() {
      super(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    }

    String scrape() {
      return ((PrometheusMeterRegistry) registry).scrape();
    }

    @Override
    double counter(String name, String... tags) {
      return sample(promName(name) + "_total", tags);
    }

    @Override
    double timerCount(String name, String... tags) {
      return sample(promName(name) + "_seconds_count", tags);
    }

    @Override
    double gauge(String name, String... tags) {
      return sample(promName(name), tags);
    }

    @Override
    void scrapeAll() {
      scrape();
    }

    private static String promName(String name) {
      return name.replace('.', '_');
    }

    /** The value of the one sample line of {@code metric} carrying every given label. */
    double sample(String metric, String... tags) {
      String text = scrape();
      List<String> labels = new ArrayList<>();
      for (int i = 0; i < tags.length; i += 2) {
        labels.add(promName(tags[i]) + "=\"" + tags[i + 1] + "\"");
      }
      List<String> matches = new ArrayList<>();
      for (String line : text.split("\n")) {
        if (line.startsWith(metric + "{") && labels.stream().allMatch(line::contains)) {
          matches.add(line);
        }
      }
      if (matches.size() != 1) {
        throw new AssertionError(
            "expected one sample of "
                + metric
                + " "
                + labels
                + ", found "
                + matches
                + " in\n"
                + text);
      }
      String line = matches.get(0);
      String value = line.substring(line.lastIndexOf(' ') + 1);
      return parse(value);
    }

    private static double parse(String value) {
      switch (value.toLowerCase(Locale.ROOT)) {
        case "nan":
          return Double.NaN;
        case "+inf":
          return Double.POSITIVE_INFINITY;
        case "-inf":
          return Double.NEGATIVE_INFINITY;
        default:
          return Double.parseDouble(value);
      }
    }
  }
}
