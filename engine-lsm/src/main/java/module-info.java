/**
 * The {@code lsm} Strata engine: the {@link dev.strata.api.StorageEngine} contract over RocksDB.
 * Exports only {@code dev.strata.lsm}, whose public types are the provider and {@link
 * dev.strata.lsm.LsmEngine} (for its maintenance methods).
 */
module dev.strata.lsm {
  requires transitive dev.strata.api;
  requires rocksdbjni;

  exports dev.strata.lsm;

  provides dev.strata.api.StorageEngineProvider with
      dev.strata.lsm.LsmEngineProvider;
}
