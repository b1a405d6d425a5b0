package dev.strata.api.spi;

import dev.strata.api.StorageIOException;
import dev.strata.api.StoreLockedException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An operating-system lock on a store's lock file, held while the engine is open, so that a second
 * open in this or another process fails with {@link StoreLockedException} instead of two writers
 * sharing the files. The lock file itself stays behind after close; it holds no data.
 *
 * <p>Thread-safe. {@link #close()} is idempotent.
 */
public final class DirectoryLock implements AutoCloseable {
  private final Path file;
  private final FileChannel channel;
  private final FileLock lock;

  private DirectoryLock(Path file, FileChannel channel, FileLock lock) {
    this.file = file;
    this.channel = channel;
    this.lock = lock;
  }

  /**
   * Takes the exclusive lock on {@code lockFile}, creating the file when missing. The directory
   * must exist.
   *
   * @param lockFile the lock file, inside the store directory
   * @param owner names the engine and store in the error message
   * @return the held lock; close it when the engine closes
   * @throws StoreLockedException if the store is already open in this or another process
   * @throws StorageIOException if the lock file cannot be created or locked
   */
  public static DirectoryLock acquire(Path lockFile, String owner) {
    FileChannel channel = null;
    try {
      channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock lock;
      try {
        lock = channel.tryLock();
      } catch (OverlappingFileLockException e) {
        // Another engine in this JVM holds it: the JVM reports that instead of refusing the lock.
        lock = null;
      }
      if (lock == null) {
        channel.close();
        throw new StoreLockedException(owner + " is already open (lock file " + lockFile + ")");
      }
      return new DirectoryLock(lockFile, channel, lock);
    } catch (IOException e) {
      closeQuietly(channel);
      throw new StorageIOException("cannot lock " + owner + " (lock file " + lockFile + ")", e);
    }
  }

  private static void closeQuietly(FileChannel channel) {
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException suppressed) {
        // Already failing; the original error is the one to report.
      }
    }
  }

  /**
   * Releases the lock. Idempotent; a failure to release is logged, since the lock dies with the
   * channel.
   */
  @Override
  public void close() {
    try {
      if (lock.isValid()) {
        lock.release();
      }
      channel.close();
    } catch (IOException e) {
      System.getLogger(DirectoryLock.class.getName())
          .log(System.Logger.Level.WARNING, "cannot release store lock " + file, e);
    }
  }
}
