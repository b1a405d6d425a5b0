package dev.strata.api.spi;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The lock files this JVM holds, or is about to take, an operating-system lock on; an engine
 * consults it <em>before</em> it opens any channel to its lock file.
 *
 * <p>Why: the JDK's {@link java.nio.channels.FileLock} is a POSIX {@code fcntl} lock on Linux, and
 * such a lock belongs to the process, not to the channel: closing <em>any</em> channel the process
 * holds to the file drops every lock the process has on it. A second open of a store in this JVM
 * that opened its own channel to the lock file, was refused the lock and closed the channel would
 * silently unlock the first open, and another process could then open the store for writing beside
 * it. A claim here refuses that second open without touching the file.
 *
 * <p>Files are identified by {@link BasicFileAttributes#fileKey()} (device and inode on Unix), so
 * an alias through a symbolic or hard link is the same file; where the file system has no file key,
 * by the file's real path.
 *
 * <p>A holder releases its claim exactly when it gives up the lock: after it closed its channel on
 * close, and on every path where its open fails. Thread-safe.
 */
public final class LockRegistry {
  /** Identities of the claimed files; guarded by itself. */
  private static final Set<Object> CLAIMED = new HashSet<>();

  private LockRegistry() {}

  /**
   * Claims {@code file} for this JVM, creating it first when {@code create} holds and it is
   * missing. The creation runs under the registry's guard, so the short-lived descriptor it opens
   * is closed before any other thread can claim and lock the new file; an existing file is never
   * opened here.
   *
   * @param file the lock file
   * @param create whether to create the file when it is missing
   * @return the claim, or empty when this JVM already holds a claim on the same file
   * @throws NullPointerException if {@code file} is null
   * @throws IOException if the file cannot be created, or is missing, or its identity cannot be
   *     read
   */
  public static Optional<Claim> claim(Path file, boolean create) throws IOException {
    Objects.requireNonNull(file, "file");
    synchronized (CLAIMED) {
      if (create && !Files.exists(file)) {
        try {
          Files.createFile(file);
        } catch (FileAlreadyExistsException e) {
          // Another process created it first: the file is there, which is all that is needed.
        }
      }
      Object key = identity(file);
      if (!CLAIMED.add(key)) {
        return Optional.empty();
      }
      return Optional.of(new Claim(file, key));
    }
  }

  /**
   * Tells whether this JVM holds a claim on {@code file}.
   *
   * @param file the lock file
   * @return false also when the file is missing or its identity cannot be read
   * @throws NullPointerException if {@code file} is null
   */
  public static boolean isClaimed(Path file) {
    Objects.requireNonNull(file, "file");
    try {
      Object key = identity(file);
      synchronized (CLAIMED) {
        return CLAIMED.contains(key);
      }
    } catch (IOException e) {
      return false;
    }
  }

  private static Object identity(Path file) throws IOException {
    Object key = Files.readAttributes(file, BasicFileAttributes.class).fileKey();
    return key != null ? key : new RealPath(file.toRealPath());
  }

  /** A file without a file key, by its real path; never equal to a file key. */
  private record RealPath(Path path) {}

  /**
   * One holder's claim on a lock file. Thread-safe; {@link #release()} is idempotent, so a second
   * release never drops the claim of a later holder of the same file.
   */
  public static final class Claim {
    private final Path file;
    private final Object key;
    private boolean released; // guarded by CLAIMED

    private Claim(Path file, Object key) {
      this.file = file;
      this.key = key;
    }

    /**
     * Returns the lock file as it was named when claimed.
     *
     * @return the path passed to {@link LockRegistry#claim}
     */
    public Path file() {
      return file;
    }

    /**
     * Gives the file up, so the next open in this JVM may claim it. Call it only once the lock is
     * released and the channel that held it is closed. Idempotent.
     */
    public void release() {
      synchronized (CLAIMED) {
        if (!released) {
          released = true;
          CLAIMED.remove(key);
        }
      }
    }

    @Override
    public String toString() {
      return "claim on " + file + (isReleased() ? " (released)" : "");
    }

    private boolean isReleased() {
      synchronized (CLAIMED) {
        return released;
      }
    }
  }
}
