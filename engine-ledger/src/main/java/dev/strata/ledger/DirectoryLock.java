package dev.strata.ledger;

import dev.strata.api.StoreLockedException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The exclusive lock on a store's {@code LOCK} file, held for as long as the engine is open so a
 * second open, in this process or another, fails with {@link StoreLockedException}.
 */
final class DirectoryLock implements AutoCloseable {
  static final String FILE = "LOCK";
  private static final System.Logger LOG = System.getLogger(DirectoryLock.class.getName());

  private final Path path;
  private final FileChannel channel;
  private final FileLock lock;

  private DirectoryLock(Path path, FileChannel channel, FileLock lock) {
    this.path = path;
    this.channel = channel;
    this.lock = lock;
  }

  static DirectoryLock acquire(Path directory) throws IOException {
    Path path = directory.resolve(FILE);
    FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE,
        StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      channel.close();
      throw new StoreLockedException("ledger " + directory + " is already open in this process"
          + " (lock file " + path + ")", e);
    }
    if (lock == null) {
      channel.close();
      throw new StoreLockedException("ledger " + directory + " is open in another process"
          + " (lock file " + path + ")");
    }
    return new DirectoryLock(path, channel, lock);
  }

  @Override
  public void close() {
    try {
      lock.release();
      channel.close();
    } catch (IOException e) {
      LOG.log(System.Logger.Level.WARNING, "cannot release " + path, e);
    }
  }
}
