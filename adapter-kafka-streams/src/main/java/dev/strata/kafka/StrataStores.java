package dev.strata.kafka;

import dev.strata.api.Durability;
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
   * The options of {@link #keyValueStore(String, String)}: the engine defaults with {@link
   * Durability#NO_SYNC}. Kafka's own RocksDB store never syncs (its write-ahead log is off; the
   * changelog topic is its durability); a Strata store writes data and changelog offsets in one
   * atomic commit, so a power loss under {@code NO_SYNC} takes both back to an earlier commit
   * together and Kafka restores from that older offset. A killed process loses nothing: the commit
   * reached the operating system before it returned.
   *
   * @return the options; immutable
   */
  public static EngineOptions defaultOptions() {
    return DEFAULT_OPTIONS;
  }

  private static final EngineOptions DEFAULT_OPTIONS =
      EngineOptions.builder().durability(Durability.NO_SYNC).build();

  /**
   * Returns a supplier of stores on {@code engine} with {@link #defaultOptions()} ({@code NO_SYNC}:
   * a Kafka commit is on stable storage only once the operating system writes it back; use {@link
   * #keyValueStore(String, String, EngineOptions)} with {@code SYNC} to have it there when the
   * commit returns).
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
    return keyValueStore(name, engine, DEFAULT_OPTIONS);
  }

  /**
   * Returns a supplier of stores on {@code engine} opened with {@code options}.
   *
   * @param name the store name
   * @param engine an engine name
   * @param options the engine options (note that {@link EngineOptions#defaults()} means {@code
   *     SYNC}; start from {@link #defaultOptions()} for the adapter's {@code NO_SYNC}); for {@code
   *     lsm}, every RocksDB setting they leave out gets the value Kafka's own RocksDB store uses:
   *     {@code lsm.writeBufferBytes=16MiB}, {@code lsm.maxWriteBuffers=3}, {@code
   *     lsm.blockCacheBytes=50MiB}, {@code lsm.compression=none}, {@code
   *     lsm.compactionStyle=universal}; settings they give are kept
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
    return new StrataKeyValueBytesStoreSupplier(
        name, engine, KafkaEngineDefaults.apply(engine, options));
  }
}
