package dev.strata.api.memory;

import dev.strata.api.EngineOptions;
import dev.strata.api.StorageEngine;
import dev.strata.api.StorageEngineProvider;
import java.nio.file.Path;
import java.util.Objects;

/** Registers the {@code memory} engine with {@link dev.strata.api.StorageEngines}. */
public final class MemoryEngineProvider implements StorageEngineProvider {
  /** Creates the provider; called by {@link java.util.ServiceLoader}. */
  public MemoryEngineProvider() {}

  @Override
  public String name() {
    return MemoryEngine.NAME;
  }

  @Override
  public StorageEngine open(Path directory, EngineOptions options) {
    Objects.requireNonNull(directory, "directory");
    Objects.requireNonNull(options, "options");
    return MemoryEngine.open(directory, options);
  }
}
