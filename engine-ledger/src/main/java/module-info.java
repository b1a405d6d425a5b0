/**
 * The {@code ledger} engine: an append-only, hash-chained, Merkle-verifiable key-value store. See
 * {@link dev.strata.ledger.LedgerEngine}.
 */
module dev.strata.ledger {
  requires transitive dev.strata.api;

  exports dev.strata.ledger;

  provides dev.strata.api.StorageEngineProvider with
      dev.strata.ledger.LedgerEngineProvider;
}
