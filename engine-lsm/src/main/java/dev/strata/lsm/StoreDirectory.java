package dev.strata.lsm;

import dev.strata.api.CorruptionException;
import dev.strata.api.EngineOptions;
import dev.strata.api.StorageException;
import dev.strata.api.StorageIOException;
import dev.strata.api.spi.StoreFiles;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.stream.Stream;

/**
 * Decides, before RocksDB touches a directory, whether it may: an existing store (checked marker or
 * RocksDB {@code CURRENT}), an empty or missing directory to create one in, or something else,
 * which is refused rather than written into. Also prepares backup targets.
 */
final class StoreDirectory {
  /** The file RocksDB writes first and reads on every open; its presence means a database. */
  static final String ROCKSDB_CURRENT = "CURRENT";

  private StoreDirectory() {}

  /**
   * Checks and, when allowed, creates the store directory.
   *
   * @throws dev.strata.api.WrongEngineException if another engine's store is there
   * @throws CorruptionException if the marker is damaged, or present while RocksDB's {@code
   *     CURRENT} file is missing
   * @throws dev.strata.api.UnsupportedFormatException if the marker is from a newer format
   * @throws StorageException if there is no store and none may be created, or the directory holds
   *     something else
   * @throws IllegalArgumentException if the path is a regular file
   */
  static void prepare(Path directory, EngineOptions options) {
    boolean hasStore = Files.exists(directory.resolve(ROCKSDB_CURRENT));
    StoreMarker.check(directory);
    if (StoreMarker.exists(directory)) {
      if (!hasStore) {
        // The marker is written after RocksDB created the store, so the store existed: opening
        // with create_if_missing would start an empty one and delete the old tables as obsolete.
        throw new CorruptionException(
            directory.resolve(ROCKSDB_CURRENT)
                + " is missing, but "
                + StoreMarker.FILE_NAME
                + " shows an lsm store was created here; refusing to replace it with an empty"
                + " store");
      }
    } else if (!hasStore && !isEmptyOrMissing(directory)) {
      throw new StorageException(
          directory
              + " holds files but no lsm store (no "
              + StoreMarker.FILE_NAME
              + " and no RocksDB "
              + ROCKSDB_CURRENT
              + " file); refusing to write into it");
    }
    if (hasStore) {
      return;
    }
    if (!options.createIfMissing() || options.readOnly()) {
      throw new StorageException(
          "no lsm store at "
              + directory
              + (options.readOnly()
                  ? " (a read-only open cannot create one)"
                  : " and createIfMissing is false"));
    }
    try {
      Files.createDirectories(directory);
    } catch (IOException e) {
      throw new StorageIOException("cannot create " + directory, e);
    }
  }

  /**
   * Makes {@code target} ready for a RocksDB checkpoint, which insists on creating the directory
   * itself: an empty directory is removed, a missing parent created.
   *
   * @throws IllegalArgumentException if {@code target} exists and is not an empty directory
   * @throws StorageIOException if the file system refuses
   */
  static void prepareBackupTarget(Path target) {
    StoreFiles.prepareEmptyDirectory(target);
    try {
      Files.delete(target);
    } catch (IOException e) {
      throw new StorageIOException("cannot prepare backup target " + target, e);
    }
  }

  /**
   * Copies RocksDB's write-ahead logs ({@code *.log}) of a store into a checkpoint of it, so that
   * the copy replays the commits that are not in a table yet. Only for a store that no process
   * writes (a read-only open holds the shared lock), so the logs stand still while they are copied;
   * logs older than the checkpoint's manifest are ignored on open.
   *
   * @throws StorageIOException if a log cannot be copied or synced
   */
  static void copyWriteAheadLogs(Path store, Path checkpoint) {
    try (Stream<Path> children = Files.list(store)) {
      for (Path log : (Iterable<Path>) children::iterator) {
        String name = log.getFileName().toString();
        if (name.endsWith(".log") && Files.isRegularFile(log)) {
          Path copy = checkpoint.resolve(name);
          Files.copy(log, copy, StandardCopyOption.REPLACE_EXISTING);
          try (FileChannel ch = FileChannel.open(copy, StandardOpenOption.WRITE)) {
            ch.force(true);
          }
        }
      }
      try (FileChannel dir = FileChannel.open(checkpoint, StandardOpenOption.READ)) {
        dir.force(true);
      }
    } catch (IOException e) {
      throw new StorageIOException("cannot copy the write-ahead log of " + store, e);
    }
  }

  static boolean isEmptyOrMissing(Path directory) {
    if (!Files.exists(directory)) {
      return true;
    }
    if (!Files.isDirectory(directory)) {
      throw new IllegalArgumentException(directory + " is not a directory");
    }
    try (Stream<Path> children = Files.list(directory)) {
      // A lock file alone is what an open that died before RocksDB wrote anything leaves behind.
      return children
          .filter(child -> !child.getFileName().toString().equals(LsmEngine.LOCK_FILE))
          .findAny()
          .isEmpty();
    } catch (IOException e) {
      throw new StorageIOException("cannot list " + directory, e);
    }
  }
}
