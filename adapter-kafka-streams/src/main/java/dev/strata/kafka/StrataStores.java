package dev.strata.kafka;

import dev.strata.api.EngineOptions;
import dev.strata.api.StorageEngines;
import java.util.Objects;
import java.util.Set;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;

/**
 * Factory of Kafka Streams key-value stores on Strata engines, the counterpart of Kafka's {@code
 * Stores.persistentKeyValueStore}:
 *
 * <pre>{@code
 * builder.table("input", Materialized.as(StrataStores.keyValueStore("counts", "btree")));
 * }</pre>
 *
 * <p>Each store instance opens its own engine in {@code <state.dir>/<task id>/<store name>}. The
 * engine must be on the class path (engine modules register through {@code StorageEngineProvider}).
 * Thread-safe.
 */
public final class StrataStores {
  private StrataStores() {}

  /**
   * Returns a supplier of stores on {@code engine} with {@link EngineOptions#defaults()} ({@code
   * SYNC} durability: each Kafka commit is on stable storage when it returns).
   *
   * @param name the store name
   * @param engine an engine name, e.g. {@code "btree"}, {@code "lsm"}, {@code "ledger"}, {@code
   *     "memory"}
   * @return the supplier
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code name} is empty or no engine of that name is on the
   *     class path (the message lists the available ones)
   */
  public static KeyValueBytesStoreSupplier keyValueStore(String name, String engine) {
    return keyValueStore(name, engine, EngineOptions.defaults());
  }

  /**
   * Returns a supplier of stores on {@code engine} opened with {@code options}.
   *
   * @param name the store name
   * @param engine an engine name
   * @param options the engine options, e.g. {@code NO_SYNC} durability when the changelog alone is
   *     trusted to repair a store after a power loss
   * @return the supplier
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code name} is empty or the engine is unknown
   */
  public static KeyValueBytesStoreSupplier keyValueStore(
      String name, String engine, EngineOptions options) {
    Objects.requireNonNull(name, "name cannot be null");
    Objects.requireNonNull(engine, "engine cannot be null");
    Objects.requireNonNull(options, "options cannot be null");
    if (name.isEmpty()) {
      throw new IllegalArgumentException("store name must not be empty");
    }
    Set<String> available = StorageEngines.available();
    if (!available.contains(engine)) {
      throw new IllegalArgumentException(
          "unknown Strata engine '" + engine + "'; available: " + available);
    }
    return new StrataKeyValueBytesStoreSupplier(name, engine, options);
  }
}
