package dev.strata.lsm;

import dev.strata.api.CorruptionException;
import dev.strata.api.StorageIOException;
import dev.strata.api.UnsupportedFormatException;
import dev.strata.api.WrongEngineException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The {@code lsm} engine's use of the shared store marker ({@link dev.strata.api.spi.StoreMarker}):
 * it names the engine and records the Strata layout on top of RocksDB's own files, so a future
 * layout change (another column family, a schema record) can refuse an old reader with {@link
 * UnsupportedFormatException} instead of misreading. Stores created before the shared marker carry
 * {@code STRATA-LSM}, which still reads as this marker.
 *
 * <p>Unlike other engines, {@code lsm} writes its marker only once RocksDB has created the store,
 * so a marker without RocksDB's {@code CURRENT} file means a store whose files were lost (see
 * {@link StoreDirectory}).
 */
final class StoreMarker {
  static final String FILE_NAME = dev.strata.api.spi.StoreMarker.FILE_NAME;
  static final String OLD_FILE_NAME = "STRATA-LSM";
  static final int FORMAT_VERSION = 1;

  private StoreMarker() {}

  static boolean exists(Path directory) {
    return Files.exists(directory.resolve(FILE_NAME))
        || Files.exists(directory.resolve(OLD_FILE_NAME));
  }

  /**
   * Checks the directory's marker, or refuses it when its files belong to another engine.
   *
   * @throws WrongEngineException if another engine's store is there
   * @throws CorruptionException if the marker is damaged
   * @throws UnsupportedFormatException if a newer Strata wrote the store
   * @throws StorageIOException if the marker cannot be read
   */
  static void check(Path directory) {
    dev.strata.api.spi.StoreMarker.check(directory, LsmEngine.NAME, FORMAT_VERSION);
  }

  /**
   * Writes the marker crash-safely.
   *
   * @throws StorageIOException if the marker cannot be written
   */
  static void write(Path directory) {
    dev.strata.api.spi.StoreMarker.write(directory, LsmEngine.NAME, FORMAT_VERSION);
  }
}
