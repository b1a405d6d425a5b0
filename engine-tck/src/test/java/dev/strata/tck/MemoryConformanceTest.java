package dev.strata.tck;

import dev.strata.api.EngineOptions;
import dev.strata.api.StorageEngine;
import dev.strata.api.StorageEngines;
import java.nio.file.Path;

/** Runs the conformance suite against the {@code memory} reference engine. */
class MemoryConformanceTest extends StorageEngineContract {
  @Override
  protected StorageEngine open(Path directory, EngineOptions options) {
    return StorageEngines.open("memory", directory, options);
  }
}
