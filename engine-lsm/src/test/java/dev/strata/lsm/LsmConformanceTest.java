package dev.strata.lsm;

import dev.strata.api.EngineOptions;
import dev.strata.api.StorageEngine;
import dev.strata.api.StorageEngines;
import dev.strata.tck.StorageEngineContract;
import java.nio.file.Path;
import java.util.Map;

/** Runs the shared conformance suite, unchanged, against the {@code lsm} engine. */
class LsmConformanceTest extends StorageEngineContract {
  @Override
  protected StorageEngine open(Path dir, EngineOptions o) {
    return StorageEngines.open("lsm", dir, o);
  }

  @Override
  protected Map<String, String> invalidSettings() {
    return Map.of(
        "lsm.blockCacheBytes", "12",
        "lsm.writeBufferBytes", "huge",
        "lsm.compression", "gzip",
        "lsm.compactionStyle", "tiered",
        "lsm.bloomBitsPerKey", "-1",
        "lsm.backgroundJobs", "0");
  }
}
