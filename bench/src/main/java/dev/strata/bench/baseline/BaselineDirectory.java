package dev.strata.bench.baseline;

import dev.strata.api.StorageException;
import dev.strata.api.StorageIOException;
import dev.strata.api.StoreLockedException;
import dev.strata.api.spi.DirectoryLock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Opening a baseline's store directory: create it when allowed, then take the shared {@link
 * dev.strata.api.spi.DirectoryLock} so a second open fails with {@link StoreLockedException}.
 */
final class BaselineDirectory {
  static final String FILE_NAME = "strata-bench.lock";

  private BaselineDirectory() {}

  /**
   * Creates the directory when allowed, then locks it.
   *
   * @throws StoreLockedException if another open engine holds the lock
   * @throws StorageException if the directory is missing and {@code createIfMissing} is false
   */
  static DirectoryLock acquire(String engine, Path directory, boolean createIfMissing) {
    try {
      if (!Files.isDirectory(directory)) {
        if (!createIfMissing) {
          throw new StorageException(
              "no " + engine + " store in " + directory + " and createIfMissing is false");
        }
        Files.createDirectories(directory);
      }
    } catch (IOException e) {
      throw new StorageIOException("cannot create " + engine + " store " + directory, e);
    }
    return DirectoryLock.acquire(directory.resolve(FILE_NAME), engine + " store " + directory);
  }

  /** Tells whether {@code directory} holds anything besides a leftover lock file. */
  static boolean hasStoreFiles(Path directory) {
    if (!Files.isDirectory(directory)) {
      return false;
    }
    try (Stream<Path> files = Files.list(directory)) {
      return files.anyMatch(p -> !p.getFileName().toString().equals(FILE_NAME));
    } catch (IOException e) {
      throw new StorageIOException("cannot list " + directory, e);
    }
  }
}
