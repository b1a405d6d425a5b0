package dev.strata.metrics;

import static dev.strata.metrics.StrataMetrics.LOGICAL_BYTES;
import static dev.strata.metrics.StrataMetrics.PHYSICAL_BYTES;
import static dev.strata.metrics.StrataMetrics.SYNCS;
import static dev.strata.metrics.StrataMetrics.WRITE_AMPLIFICATION;

import dev.strata.api.StorageEngine;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.BaseUnits;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Registers the meters every engine supports: its write-amplification meter and one gauge per stats
 * key. The engine is each meter's state object, so Micrometer holds it weakly; the functions reach
 * the figures through the {@link EngineSampler}, which holds no engine.
 */
final class EngineMeters {
  private static final System.Logger LOG = System.getLogger(EngineMeters.class.getName());

  private EngineMeters() {}

  static Tags tags(StorageEngine engine, String storeName) {
    return Tags.of(StrataMetrics.TAG_ENGINE, engine.name(), StrataMetrics.TAG_STORE, storeName);
  }

  static void bind(MeterRegistry registry, StorageEngine engine, Tags tags, EngineSampler sampler) {
    FunctionCounter.builder(LOGICAL_BYTES, engine, e -> sampler.meter(e).logicalBytes())
        .description("Bytes users asked to store: key + value per put, key per delete, at commit")
        .baseUnit(BaseUnits.BYTES)
        .tags(tags)
        .register(registry);
    FunctionCounter.builder(PHYSICAL_BYTES, engine, e -> sampler.meter(e).physicalBytes())
        .description("Bytes the engine handed to the operating system for its files")
        .baseUnit(BaseUnits.BYTES)
        .tags(tags)
        .register(registry);
    FunctionCounter.builder(SYNCS, engine, e -> sampler.meter(e).syncs())
        .description("fsync and fdatasync calls")
        .tags(tags)
        .register(registry);
    Gauge.builder(WRITE_AMPLIFICATION, engine, e -> sampler.meter(e).amplification())
        .description("Physical bytes divided by logical bytes; NaN while nothing was committed")
        .tags(tags)
        .register(registry);
    bindStats(registry, engine, tags, sampler);
  }

  private static void bindStats(
      MeterRegistry registry, StorageEngine engine, Tags tags, EngineSampler sampler) {
    Map<String, Number> first = sampler.sampleNow(engine);
    Set<String> names = new HashSet<>();
    for (String key : first.keySet()) {
      String name;
      try {
        name = StrataMetrics.statMeterName(key);
      } catch (IllegalArgumentException unnamed) {
        LOG.log(System.Logger.Level.WARNING, "stats key ''{0}'' gets no gauge: {1}", key, unnamed);
        continue;
      }
      if (!names.add(name)) {
        LOG.log(
            System.Logger.Level.WARNING,
            "stats key ''{0}'' gets no gauge: another key is already named {1}",
            key,
            name);
        continue;
      }
      Gauge.builder(name, engine, e -> sampler.stat(e, key))
          .description("StorageEngine.stats() entry '" + key + "', sampled")
          .tags(tags)
          .register(registry);
    }
  }
}
