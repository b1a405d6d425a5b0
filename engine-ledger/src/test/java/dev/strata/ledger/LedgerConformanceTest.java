package dev.strata.ledger;

import dev.strata.api.EngineOptions;
import dev.strata.api.StorageEngine;
import dev.strata.api.StorageEngines;
import dev.strata.tck.StorageEngineContract;
import java.nio.file.Path;
import java.util.Map;

/** Runs the conformance suite, unchanged, against the {@code ledger} engine. */
class LedgerConformanceTest extends StorageEngineContract {
  @Override
  protected StorageEngine open(Path directory, EngineOptions options) {
    return StorageEngines.open("ledger", directory, options);
  }

  @Override
  protected Map<String, String> invalidSettings() {
    return Map.of("ledger.segmentBytes", "1KiB");
  }
}
