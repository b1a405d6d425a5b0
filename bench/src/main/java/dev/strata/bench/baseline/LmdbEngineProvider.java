package dev.strata.bench.baseline;

import dev.strata.api.EngineOptions;
import dev.strata.api.StorageEngine;
import dev.strata.api.StorageEngineProvider;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Provides the {@code lmdb} baseline engine: LMDB through lmdbjava, for comparison with Strata's
 * engines. Settings: {@code lmdb.mapSize} (bytes, binary suffixes allowed, default {@code 64GiB};
 * LMDB reserves this much address space, not disk) and {@code lmdb.maxReaders} (default 1024).
 * {@link dev.strata.api.Durability#NO_SYNC} maps to {@code MDB_NOSYNC | MDB_NOMETASYNC}.
 *
 * <p>Thread-safe; stateless.
 */
public final class LmdbEngineProvider implements StorageEngineProvider {
  /** Creates the provider; called by {@link java.util.ServiceLoader}. */
  public LmdbEngineProvider() {}

  @Override
  public String name() {
    return LmdbEngine.NAME;
  }

  @Override
  public StorageEngine open(Path directory, EngineOptions options) {
    Objects.requireNonNull(directory, "directory");
    Objects.requireNonNull(options, "options");
    return LmdbEngine.open(directory, options);
  }
}
