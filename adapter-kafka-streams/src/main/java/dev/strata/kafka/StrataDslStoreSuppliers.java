package dev.strata.kafka;

import dev.strata.api.Durability;
import dev.strata.api.EngineOptions;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.state.BuiltInDslStoreSuppliers;
import org.apache.kafka.streams.state.DslKeyValueParams;
import org.apache.kafka.streams.state.DslSessionParams;
import org.apache.kafka.streams.state.DslStoreSuppliers;
import org.apache.kafka.streams.state.DslWindowParams;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.SessionBytesStoreSupplier;
import org.apache.kafka.streams.state.WindowBytesStoreSupplier;

/**
 * Puts every key-value store of a DSL topology on a Strata engine:
 *
 * <pre>
 * dsl.store.suppliers.class=dev.strata.kafka.StrataDslStoreSuppliers
 * strata.engine=btree
 * </pre>
 *
 * <p>Settings, read from the Streams configuration: {@value #ENGINE_CONFIG} (the engine name;
 * default {@code btree}), {@value #DURABILITY_CONFIG} ({@code SYNC} or {@code NO_SYNC}; default
 * {@code NO_SYNC}, see {@link StrataStores#defaultOptions()}), and {@value #SETTINGS_PREFIX}{@code
 * <key>} for each engine setting (for example {@code strata.settings.btree.pageSize}). Timestamped
 * DSL stores get a plain store, which Kafka wraps in its timestamp adapter, as it does for any
 * custom supplier.
 *
 * <p>Window and session stores stay on Kafka's built-in RocksDB stores ({@link
 * BuiltInDslStoreSuppliers.RocksDBDslStoreSuppliers}): Strata supplies key-value stores only.
 */
public class StrataDslStoreSuppliers implements DslStoreSuppliers {
  /** The engine name setting. */
  public static final String ENGINE_CONFIG = "strata.engine";

  /** The durability setting. */
  public static final String DURABILITY_CONFIG = "strata.durability";

  /** The prefix of engine settings passed to {@link EngineOptions.Builder#set}. */
  public static final String SETTINGS_PREFIX = "strata.settings.";

  private final DslStoreSuppliers windowsAndSessions =
      new BuiltInDslStoreSuppliers.RocksDBDslStoreSuppliers();
  private String engine = "btree";
  private EngineOptions options = StrataStores.defaultOptions();

  /** Creates a supplier on {@code btree}; Kafka then calls {@link #configure}. */
  public StrataDslStoreSuppliers() {}

  /**
   * Reads the settings above.
   *
   * @throws ConfigException if a setting is malformed or the engine is unknown
   */
  @Override
  public void configure(Map<String, ?> configs) {
    Object name = configs.get(ENGINE_CONFIG);
    String chosen = name == null ? "btree" : name.toString().trim();
    EngineOptions.Builder builder = EngineOptions.builder().durability(Durability.NO_SYNC);
    Object durability = configs.get(DURABILITY_CONFIG);
    if (durability != null) {
      try {
        builder.durability(
            Durability.valueOf(durability.toString().trim().toUpperCase(Locale.ROOT)));
      } catch (IllegalArgumentException e) {
        throw new ConfigException(DURABILITY_CONFIG, durability, "must be SYNC or NO_SYNC");
      }
    }
    for (Map.Entry<String, ?> e : configs.entrySet()) {
      if (e.getKey().startsWith(SETTINGS_PREFIX) && e.getValue() != null) {
        builder.set(e.getKey().substring(SETTINGS_PREFIX.length()), e.getValue().toString());
      }
    }
    try {
      StrataStores.keyValueStore("probe", chosen, EngineOptions.defaults());
    } catch (IllegalArgumentException e) {
      throw new ConfigException(ENGINE_CONFIG, chosen, e.getMessage());
    }
    engine = chosen;
    options = builder.build();
  }

  /** A Strata store on the configured engine. */
  @Override
  public KeyValueBytesStoreSupplier keyValueStore(DslKeyValueParams params) {
    return StrataStores.keyValueStore(params.name(), engine, options);
  }

  /** Kafka's built-in RocksDB window store. */
  @Override
  public WindowBytesStoreSupplier windowStore(DslWindowParams params) {
    return windowsAndSessions.windowStore(params);
  }

  /** Kafka's built-in RocksDB session store. */
  @Override
  public SessionBytesStoreSupplier sessionStore(DslSessionParams params) {
    return windowsAndSessions.sessionStore(params);
  }
}
