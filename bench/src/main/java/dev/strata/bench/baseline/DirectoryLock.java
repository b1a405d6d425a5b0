package dev.strata.bench.baseline;

import dev.strata.api.StorageException;
import dev.strata.api.StorageIOException;
import dev.strata.api.StoreLockedException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.stream.Stream;

/**
 * An exclusive lock on a store directory, so a second open in this or another process fails with
 * {@link StoreLockedException} instead of two writers sharing the files.
 */
final class DirectoryLock implements AutoCloseable {
  static final String FILE_NAME = "strata-bench.lock";

  private final FileChannel channel;
  private final FileLock lock;

  private DirectoryLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

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
      FileChannel channel =
          FileChannel.open(
              directory.resolve(FILE_NAME), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock lock;
      try {
        lock = channel.tryLock();
      } catch (OverlappingFileLockException e) {
        lock = null;
      }
      if (lock == null) {
        channel.close();
        throw new StoreLockedException(engine + " store " + directory + " is already open");
      }
      return new DirectoryLock(channel, lock);
    } catch (IOException e) {
      throw new StorageIOException("cannot lock " + engine + " store " + directory, e);
    }
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

  /** Makes {@code target} an existing empty directory for a backup. */
  static void prepareBackupTarget(Path target) {
    try {
      if (Files.exists(target)) {
        if (!Files.isDirectory(target)) {
          throw new IllegalArgumentException("backup target " + target + " is not a directory");
        }
        try (Stream<Path> children = Files.list(target)) {
          if (children.findAny().isPresent()) {
            throw new IllegalArgumentException("backup target " + target + " is not empty");
          }
        }
      } else {
        Files.createDirectories(target);
      }
    } catch (IOException e) {
      throw new StorageIOException("cannot prepare backup target " + target, e);
    }
  }

  @Override
  public void close() {
    try {
      lock.release();
      channel.close();
    } catch (IOException e) {
      // The lock dies with the channel; nothing else to undo.
      System.getLogger(DirectoryLock.class.getName())
          .log(System.Logger.Level.WARNING, "cannot release store lock", e);
    }
  }
}
