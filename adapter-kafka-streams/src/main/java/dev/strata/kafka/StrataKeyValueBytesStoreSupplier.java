package dev.strata.kafka;

import dev.strata.api.EngineOptions;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueStore;

/** Supplies {@link StrataKeyValueStore}s of one name on one engine. Immutable; thread-safe. */
final class StrataKeyValueBytesStoreSupplier implements KeyValueBytesStoreSupplier {
  private final String name;
  private final String engine;
  private final EngineOptions options;

  StrataKeyValueBytesStoreSupplier(String name, String engine, EngineOptions options) {
    this.name = name;
    this.engine = engine;
    this.options = options;
  }

  @Override
  public String name() {
    return name;
  }

  /** The options every store of this supplier opens its engine with. */
  EngineOptions options() {
    return options;
  }

  /** A new, unopened store; Kafka calls it once per task. */
  @Override
  public KeyValueStore<Bytes, byte[]> get() {
    return new StrataKeyValueStore(name, engine, options);
  }

  /** {@code strata-<engine>}, the scope of the store's metrics. */
  @Override
  public String metricsScope() {
    return "strata-" + engine;
  }

  @Override
  public String toString() {
    return "Strata " + engine + " store " + name;
  }
}
