package dev.strata.api;

import java.nio.file.Path;

/**
 * A named engine implementation, found by {@link StorageEngines} through {@link
 * java.util.ServiceLoader}. Register an implementation with {@code provides
 * dev.strata.api.StorageEngineProvider with ...} in {@code module-info.java} and with a {@code
 * META-INF/services/dev.strata.api.StorageEngineProvider} entry for class-path use.
 *
 * <p>Implementations must be thread-safe and have a public no-argument constructor.
 */
public interface StorageEngineProvider {
  /**
   * Returns the engine's name, the word users pass to {@link StorageEngines#open(String, Path)}.
   *
   * @return a lower-case name such as {@code "btree"}
   */
  String name();

  /**
   * Opens or creates a store.
   *
   * @param directory the store's directory; created when missing and {@link
   *     EngineOptions#createIfMissing()} is true
   * @param options the options, already non-null
   * @return the open engine; the caller owns it and must close it
   * @throws StoreLockedException if the store is already open
   * @throws WrongEngineException if the directory holds another engine's store; a persistent engine
   *     checks this before it writes anything (see {@link dev.strata.api.spi.StoreMarker#claim})
   * @throws CorruptionException if the store fails its checks on open
   * @throws UnsupportedFormatException if the store was written by a newer format version
   * @throws IllegalArgumentException if an option value is invalid
   */
  StorageEngine open(Path directory, EngineOptions options);
}
