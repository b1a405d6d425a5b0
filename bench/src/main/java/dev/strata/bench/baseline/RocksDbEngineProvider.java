package dev.strata.bench.baseline;

import dev.strata.api.EngineOptions;
import dev.strata.api.StorageEngine;
import dev.strata.api.StorageEngineProvider;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Provides the {@code rocksdb} baseline engine: raw rocksdbjni calls with the same options as
 * Strata's {@code lsm} engine, so the difference between the two is the adapter's cost. No
 * settings. {@link dev.strata.api.Durability#SYNC} maps to {@code WriteOptions.setSync(true)}.
 *
 * <p>Thread-safe; stateless.
 */
public final class RocksDbEngineProvider implements StorageEngineProvider {
  /** Creates the provider; called by {@link java.util.ServiceLoader}. */
  public RocksDbEngineProvider() {}

  @Override
  public String name() {
    return RocksDbEngine.NAME;
  }

  @Override
  public StorageEngine open(Path directory, EngineOptions options) {
    Objects.requireNonNull(directory, "directory");
    Objects.requireNonNull(options, "options");
    return RocksDbEngine.open(directory, options);
  }
}
