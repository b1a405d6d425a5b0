package dev.strata.lsm;

import dev.strata.api.EngineOptions;
import dev.strata.api.StorageEngine;
import dev.strata.api.StorageEngineProvider;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Registers the {@code lsm} engine with {@link dev.strata.api.StorageEngines}. Thread-safe and
 * stateless.
 */
public final class LsmEngineProvider implements StorageEngineProvider {
  /** Creates the provider; called by {@link java.util.ServiceLoader}. */
  public LsmEngineProvider() {}

  /**
   * Returns {@code "lsm"}.
   *
   * @return the engine name
   */
  @Override
  public String name() {
    return LsmEngine.NAME;
  }

  /**
   * Opens or creates an {@code lsm} store; returns an {@link LsmEngine}.
   *
   * @param directory the store's directory
   * @param options the options; {@code lsm.*} settings are listed in the package documentation
   * @return the open engine; the caller must close it
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if an {@code lsm.*} setting is unknown or invalid
   * @throws dev.strata.api.StoreLockedException if the store is open elsewhere
   * @throws dev.strata.api.CorruptionException if RocksDB finds damaged files on open
   * @throws dev.strata.api.UnsupportedFormatException if a newer format wrote the store
   * @throws dev.strata.api.StorageException if the store is missing and may not be created, or the
   *     directory holds something else
   */
  @Override
  public StorageEngine open(Path directory, EngineOptions options) {
    Objects.requireNonNull(directory, "directory");
    Objects.requireNonNull(options, "options");
    return LsmEngine.open(directory, options);
  }
}
