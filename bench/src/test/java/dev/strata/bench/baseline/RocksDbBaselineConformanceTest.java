package dev.strata.bench.baseline;

import dev.strata.api.EngineOptions;
import dev.strata.api.StorageEngine;
import dev.strata.api.StorageEngines;
import dev.strata.tck.StorageEngineContract;
import java.nio.file.Path;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

/**
 * The conformance suite against the raw {@code rocksdb} baseline. It switches off, by overriding,
 * the cases that need a write transaction to read its own writes: the baseline's write transaction
 * is a plain {@code WriteBatch}, on purpose, to measure the raw cost.
 */
class RocksDbBaselineConformanceTest extends StorageEngineContract {
  private static final String OWN_WRITES =
      "baseline shortcut: a write txn is a plain WriteBatch and does not read its own writes";

  @Override
  protected StorageEngine open(Path dir, EngineOptions o) {
    return StorageEngines.open("rocksdb", dir, o);
  }

  @Test
  @Disabled(OWN_WRITES)
  @Override
  protected void writeTxn_getSeesOwnPutsAndDeletes() {}

  @Test
  @Disabled(OWN_WRITES)
  @Override
  protected void writeTxn_cursorMergesOwnWritesBothDirections() {}

  @Test
  @Disabled(OWN_WRITES + " (a transfer between one account and itself reads a stale balance)")
  @Override
  protected void transfers_concurrentReaders_alwaysSeeInvariantTotal() {}

  @Test
  @Disabled(OWN_WRITES + " (the model test reads inside write transactions)")
  @Override
  protected void randomOperations_matchTreeMapModel() {}

  @Test
  @Disabled(OWN_WRITES + " (the default range deletion walks a cursor that misses pending puts)")
  @Override
  protected void deleteRange_bounded_removesExactlyTheHalfOpenRange() {}

  @Test
  @Disabled(OWN_WRITES)
  @Override
  protected void deleteRange_randomWorkload_matchesModel() {}

  @Test
  @Disabled(OWN_WRITES)
  @Override
  protected void deleteRange_ordersWithTheTransactionsOtherWrites(int readsAt) {}

  @Test
  @Disabled(OWN_WRITES + " (the cursor misses the transaction's pending write)")
  @Override
  protected void writeCursor_deletingEachEntryAsReached_visitsEveryEntryOnce(boolean reversed) {}
}
