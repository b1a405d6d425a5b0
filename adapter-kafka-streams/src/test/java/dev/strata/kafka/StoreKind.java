package dev.strata.kafka;

import dev.strata.api.Durability;
import dev.strata.api.EngineOptions;
import java.util.List;
import java.util.stream.Stream;
import org.apache.kafka.streams.state.BuiltInDslStoreSuppliers;
import org.apache.kafka.streams.state.DslStoreSuppliers;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.Stores;

/**
 * The stores every test runs against: Kafka's own RocksDB and in-memory stores first (proving the
 * test encodes Kafka's contract), then each Strata engine.
 */
enum StoreKind {
  KAFKA_ROCKSDB(null, true),
  KAFKA_MEMORY(null, false),
  BTREE("btree", true),
  LSM("lsm", true),
  LEDGER("ledger", true),
  MEMORY("memory", false);

  /** Tests commit after every record (TopologyTestDriver does); NO_SYNC keeps them quick. */
  static final EngineOptions TEST_OPTIONS =
      EngineOptions.builder().durability(Durability.NO_SYNC).build();

  final String engine;
  final boolean persistent;

  StoreKind(String engine, boolean persistent) {
    this.engine = engine;
    this.persistent = persistent;
  }

  KeyValueBytesStoreSupplier supplier(String name) {
    if (this == KAFKA_ROCKSDB) {
      return Stores.persistentKeyValueStore(name);
    }
    if (this == KAFKA_MEMORY) {
      return Stores.inMemoryKeyValueStore(name);
    }
    return StrataStores.keyValueStore(name, engine, TEST_OPTIONS);
  }

  /** The DSL supplier class and extra settings that select this store for a whole topology. */
  Class<? extends DslStoreSuppliers> dslSuppliers() {
    if (this == KAFKA_ROCKSDB) {
      return BuiltInDslStoreSuppliers.RocksDBDslStoreSuppliers.class;
    }
    if (this == KAFKA_MEMORY) {
      return BuiltInDslStoreSuppliers.InMemoryDslStoreSuppliers.class;
    }
    return StrataDslStoreSuppliers.class;
  }

  static Stream<StoreKind> all() {
    return Stream.of(values());
  }

  static Stream<StoreKind> persistentKinds() {
    return all().filter(k -> k.persistent);
  }

  static Stream<StoreKind> strataPersistent() {
    return persistentKinds().filter(k -> k.engine != null);
  }

  static List<StoreKind> strata() {
    return List.of(BTREE, LSM, LEDGER, MEMORY);
  }
}
