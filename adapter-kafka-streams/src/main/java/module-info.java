/**
 * Strata engines as Kafka Streams key-value state stores. Exports {@code dev.strata.kafka}, whose
 * public types are {@link dev.strata.kafka.StrataStores} and {@link
 * dev.strata.kafka.StrataDslStoreSuppliers}. Engines are found by name through {@link
 * dev.strata.api.StorageEngines}: put the engine modules on the class or module path.
 */
module dev.strata.kafka {
  requires transitive dev.strata.api;
  requires transitive kafka.streams;
  requires transitive kafka.clients;

  exports dev.strata.kafka;
}
