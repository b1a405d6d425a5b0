package dev.strata.raft;

import dev.strata.api.EngineOptions;
import dev.strata.api.ReadTxn;
import dev.strata.api.StorageEngine;
import dev.strata.api.StorageEngines;
import dev.strata.api.StorageIOException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.stream.Stream;

/**
 * A replica's local engine in {@code <dir>/data}, which a snapshot install replaces whole.
 *
 * <h2>Replacing the store</h2>
 *
 * The snapshot's copy is written to {@code data.installing} and fsynced, then {@code data} is
 * renamed to {@code data.old}, {@code data.installing} to {@code data}, and {@code data.old} is
 * deleted. A crash between the renames leaves no {@code data} but a complete {@code
 * data.installing}, which the next open finishes renaming; so the store is always either the old
 * one or the new one, never a mix. Read transactions begun on the old store end with it.
 *
 * <p>Thread-safe: transactions begin under a read lock, the replacement holds the write lock.
 */
final class LocalStore implements AutoCloseable {
  private final String engineName;
  private final Path dataDir;
  private final Path installing;
  private final Path old;
  private final EngineOptions options;
  private final ReentrantReadWriteLock swap = new ReentrantReadWriteLock();
  private volatile StorageEngine engine;

  LocalStore(String engineName, Path dataDir, EngineOptions options) {
    this.engineName = engineName;
    this.dataDir = dataDir;
    this.installing = dataDir.resolveSibling(dataDir.getFileName() + ".installing");
    this.old = dataDir.resolveSibling(dataDir.getFileName() + ".old");
    this.options = options;
    if (!options.readOnly()) {
      finishInterruptedInstall();
    }
    this.engine = StorageEngines.open(engineName, dataDir, options);
  }

  private void finishInterruptedInstall() {
    try {
      if (!Files.exists(dataDir) && Files.exists(installing)) {
        Files.move(installing, dataDir, StandardCopyOption.ATOMIC_MOVE);
      }
      deleteTree(installing);
      deleteTree(old);
    } catch (IOException e) {
      throw new StorageIOException("cannot finish the snapshot install in " + dataDir, e);
    }
  }

  /** The current engine; may be replaced at any time by {@link #replaceWith}. */
  StorageEngine engine() {
    return engine;
  }

  /** Begins a read transaction on the current engine. */
  ReadTxn beginRead() {
    swap.readLock().lock();
    try {
      return engine.beginRead();
    } finally {
      swap.readLock().unlock();
    }
  }

  /**
   * Replaces the store with a copy of {@code source} (a backup of the same local engine).
   *
   * @throws StorageIOException if copying or renaming fails; the old store is then reopened
   */
  void replaceWith(Path source) {
    swap.writeLock().lock();
    try {
      engine.close();
      try {
        deleteTree(installing);
        copyTree(source, installing);
        Files.move(dataDir, old, StandardCopyOption.ATOMIC_MOVE);
        Files.move(installing, dataDir, StandardCopyOption.ATOMIC_MOVE);
        syncDirectory(dataDir.getParent());
        deleteTree(old);
      } catch (IOException e) {
        finishInterruptedInstall();
        throw new StorageIOException("cannot install the snapshot " + source + " in " + dataDir, e);
      } finally {
        engine = StorageEngines.open(engineName, dataDir, options);
      }
    } finally {
      swap.writeLock().unlock();
    }
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Path t = to.resolve(from.relativize(f).toString());
        if (Files.isDirectory(f)) {
          Files.createDirectories(t);
        } else {
          Files.copy(f, t);
          try (FileChannel ch = FileChannel.open(t, StandardOpenOption.WRITE)) {
            ch.force(true);
          }
        }
      }
    }
    syncDirectory(to);
  }

  private static void syncDirectory(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      // Some file systems refuse to open a directory; the renames are then as durable as they get.
    }
  }

  static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> files = Files.walk(root)) {
      for (Path p : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
        Files.delete(p);
      }
    }
  }

  @Override
  public void close() {
    swap.writeLock().lock();
    try {
      engine.close();
    } finally {
      swap.writeLock().unlock();
    }
  }
}
