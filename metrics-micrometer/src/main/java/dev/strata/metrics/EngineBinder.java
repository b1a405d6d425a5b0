package dev.strata.metrics;

import dev.strata.api.StorageEngine;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Objects;

/**
 * The binder of {@link StrataMetrics#binder}: the write-amplification meter and stats of an engine
 * whose calls do not pass through Strata's decorator. The binder holds the engine (for later
 * bindings); the meters it registers hold it weakly, so a registry alone keeps no engine alive.
 * Thread-safe.
 */
final class EngineBinder implements MeterBinder {
  private final StorageEngine engine;
  private final String storeName;
  private final EngineSampler sampler;

  EngineBinder(StorageEngine engine, String storeName, EngineSampler sampler) {
    this.engine = engine;
    this.storeName = storeName;
    this.sampler = sampler;
  }

  /**
   * Registers the engine's write-amplification meter and one gauge per stats key, taking the first
   * stats sample on the calling thread.
   *
   * @param registry the registry
   * @throws NullPointerException if {@code registry} is null
   */
  @Override
  public void bindTo(MeterRegistry registry) {
    Objects.requireNonNull(registry, "registry");
    EngineMeters.bind(registry, engine, EngineMeters.tags(engine, storeName), sampler);
  }

  @Override
  public String toString() {
    return "StrataMetrics.binder(" + engine.name() + ", " + storeName + ")";
  }
}
