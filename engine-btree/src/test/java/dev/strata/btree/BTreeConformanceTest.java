package dev.strata.btree;

import dev.strata.api.EngineOptions;
import dev.strata.api.StorageEngine;
import dev.strata.api.StorageEngines;
import dev.strata.tck.StorageEngineContract;
import java.nio.file.Path;
import java.util.Map;

/** Runs the whole conformance suite against the btree engine. */
class BTreeConformanceTest extends StorageEngineContract {
  @Override
  protected StorageEngine open(Path dir, EngineOptions options) {
    return StorageEngines.open("btree", dir, options);
  }

  @Override
  protected Map<String, String> invalidSettings() {
    return Map.of(
        "btree.pageSize", "3000",
        "btree.fillPercent", "1.5",
        "btree.freelist", "tree",
        "btree.freelistSync", "maybe",
        "btree.mapChunkSize", "1000");
  }
}
