package dev.strata.api.spi;

import dev.strata.api.StorageIOException;
import dev.strata.api.StoreLockedException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * An operating-system lock on a store's lock file, held while the engine is open, so that a second
 * open in this or another process fails with {@link StoreLockedException} instead of two writers
 * sharing the files, or a reader sharing them with a writer. The lock identifies the file, not its
 * path, so an alias through a symbolic link is refused too. The lock file itself stays behind after
 * close; it holds no data. A second open in this JVM is refused from the {@link LockRegistry}
 * without opening the file, since closing any channel to a locked file would drop this JVM's lock.
 *
 * <p>Thread-safe. {@link #close()} is idempotent.
 */
public final class DirectoryLock implements AutoCloseable {
  private final Path file;
  private final FileChannel channel;
  private final FileLock lock;
  private final LockRegistry.Claim claim;
  private boolean closed; // guarded by this

  private DirectoryLock(Path file, FileChannel channel, FileLock lock, LockRegistry.Claim claim) {
    this.file = file;
    this.channel = channel;
    this.lock = lock;
    this.claim = claim;
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
    return acquire(lockFile, owner, false);
  }

  /**
   * Takes the lock on {@code lockFile}: exclusive for a writable open, shared for a read-only one,
   * so read-only opens in several processes may share a store that no process writes. A read-only
   * open on a file system it cannot create the missing lock file on (mounted read-only) goes
   * unlocked: nothing can write the store through that mount.
   *
   * @param lockFile the lock file, inside the store directory
   * @param owner names the engine and store in the error message
   * @param shared true for a read-only open
   * @return the held lock, or an empty one for the unlocked read-only case; close it when the
   *     engine closes
   * @throws StoreLockedException if the store is already open in this process, or open in a mode
   *     that conflicts in another
   * @throws StorageIOException if the lock file cannot be created or locked
   */
  public static DirectoryLock acquire(Path lockFile, String owner, boolean shared) {
    // The claim comes before any channel to the file: a channel opened and closed here while
    // another engine of this JVM holds the lock would drop that lock (see LockRegistry).
    LockRegistry.Claim claim;
    try {
      Optional<LockRegistry.Claim> claimed = LockRegistry.claim(lockFile, true);
      if (claimed.isEmpty()) {
        throw new StoreLockedException(owner + " is already open (lock file " + lockFile + ")");
      }
      claim = claimed.get();
    } catch (IOException e) {
      // Only a read-only mount excuses the lock: nobody writes the store through it. A permission
      // problem on a writable file system is an error, since its owner may write.
      if (shared && !Files.exists(lockFile) && isReadOnlyMount(lockFile)) {
        return new DirectoryLock(lockFile, null, null, null);
      }
      throw new StorageIOException("cannot lock " + owner + " (lock file " + lockFile + ")", e);
    }
    FileChannel channel = null;
    try {
      channel =
          shared
              ? FileChannel.open(lockFile, StandardOpenOption.READ)
              : FileChannel.open(lockFile, StandardOpenOption.WRITE);
      FileLock lock;
      try {
        lock = channel.tryLock(0, Long.MAX_VALUE, shared);
      } catch (OverlappingFileLockException e) {
        // Code of this JVM that bypasses the registry holds it; refused all the same.
        lock = null;
      }
      if (lock == null) {
        throw new StoreLockedException(owner + " is already open (lock file " + lockFile + ")");
      }
      return new DirectoryLock(lockFile, channel, lock, claim);
    } catch (IOException e) {
      giveUp(channel, claim);
      throw new StorageIOException("cannot lock " + owner + " (lock file " + lockFile + ")", e);
    } catch (RuntimeException | Error e) {
      giveUp(channel, claim);
      throw e;
    }
  }

  private static boolean isReadOnlyMount(Path lockFile) {
    try {
      return Files.getFileStore(lockFile.toAbsolutePath().getParent()).isReadOnly();
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * A failed open: closes the channel (this JVM holds no lock on the file, the claim says so), then
   * gives the claim up.
   */
  private static void giveUp(FileChannel channel, LockRegistry.Claim claim) {
    try {
      if (channel != null) {
        channel.close();
      }
    } catch (IOException suppressed) {
      // Already failing; the original error is the one to report.
    } finally {
      claim.release();
    }
  }

  /**
   * Releases the lock. Idempotent; a failure to release is logged, since the lock dies with the
   * channel.
   */
  @Override
  public void close() {
    synchronized (this) {
      if (channel == null || closed) {
        return;
      }
      closed = true;
    }
    try {
      if (lock.isValid()) {
        lock.release();
      }
      channel.close();
    } catch (IOException e) {
      System.getLogger(DirectoryLock.class.getName())
          .log(System.Logger.Level.WARNING, "cannot release store lock " + file, e);
    } finally {
      // Only now: a new channel of this JVM to the file before this one closed would lose its
      // lock when this one closes.
      claim.release();
    }
  }
}
