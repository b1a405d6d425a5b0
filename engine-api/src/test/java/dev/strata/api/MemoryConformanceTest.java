package dev.strata.api;

import java.nio.file.Path;

/** Runs the conformance suite against the {@code memory} reference engine. */
class MemoryConformanceTest extends StorageEngineContract {
  @Override
  protected StorageEngine open(Path directory, EngineOptions options) {
    return StorageEngines.open("memory", directory, options);
  }
}
