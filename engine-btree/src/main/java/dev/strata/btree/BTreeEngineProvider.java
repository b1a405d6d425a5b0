package dev.strata.btree;

import dev.strata.api.EngineOptions;
import dev.strata.api.StorageEngine;
import dev.strata.api.StorageEngineProvider;
import java.nio.file.Path;

/**
 * Registers the {@code btree} engine with {@link dev.strata.api.StorageEngines}. Thread-safe and
 * stateless.
 */
public final class BTreeEngineProvider implements StorageEngineProvider {
  /** Creates the provider; called by {@link java.util.ServiceLoader}. */
  public BTreeEngineProvider() {}

  /**
   * Returns {@code "btree"}.
   *
   * @return the engine name
   */
  @Override
  public String name() {
    return BTreeEngine.NAME;
  }

  /**
   * Opens (and by default creates) the store in {@code directory}; the returned engine is a {@link
   * BTreeEngine}.
   *
   * @param directory the store's directory
   * @param options durability, read-only, create-if-missing and {@code btree.*} settings
   * @return the open engine
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if a {@code btree.*} setting is unknown or invalid
   * @throws dev.strata.api.StoreLockedException if the store is open elsewhere
   * @throws dev.strata.api.CorruptionException if the file is damaged
   * @throws dev.strata.api.UnsupportedFormatException if the file is of a newer format
   */
  @Override
  public StorageEngine open(Path directory, EngineOptions options) {
    return BTreeEngine.open(directory, options, PageIO::of);
  }
}
