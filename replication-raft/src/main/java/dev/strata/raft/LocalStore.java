package dev.strata.raft;

import dev.strata.api.Cursor;
import dev.strata.api.EngineOptions;
import dev.strata.api.KeyRange;
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
  /** Local estimates below this are replaced by an exact count (see approximateUserKeyCount). */
  static final int EXACT_COUNT_BELOW = 64;

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

  /**
   * Estimates the user keys, the applied mark excluded, at a bounded cost that never waits for the
   * writer. While the local engine's own estimate is below {@link #EXACT_COUNT_BELOW} the keys are
   * counted in a read transaction (at most {@code 4 * EXACT_COUNT_BELOW} of them): shape-based
   * estimates such as a B+tree's are coarse on a handful of keys, the more so as the mark, a key of
   * {@code MAX_KEY_SIZE} bytes, takes a page to itself. Above it, the local estimate less the mark.
   */
  long approximateUserKeyCount() {
    swap.readLock().lock();
    try {
      StorageEngine e = engine;
      long estimate = e.approximateKeyCount();
      if (estimate < EXACT_COUNT_BELOW) {
        long counted = 0;
        try (ReadTxn txn = e.beginRead();
            Cursor c = txn.cursor(KeyRange.all())) {
          while (counted <= 4L * EXACT_COUNT_BELOW && c.next()) {
            if (!AppliedMark.isReserved(c.key())) {
              counted++;
            }
          }
          if (counted <= 4L * EXACT_COUNT_BELOW) {
            return counted;
          }
        }
      }
      return Math.max(0, estimate - (e.get(AppliedMark.KEY) == null ? 0 : 1));
    } finally {
      swap.readLock().unlock();
    }
  }

  /**
   * Copies the current engine's committed state with its {@code backup()} (an online copy: writers
   * go on), holding off a store replacement until the copy is done.
   */
  void backup(Path target) {
    swap.readLock().lock();
    try {
      engine.backup(target);
    } finally {
      swap.readLock().unlock();
    }
  }

  /** Reads the applied mark of a backup of this store's engine at {@code copy}, or null. */
  AppliedMark readMark(Path copy) {
    EngineOptions readOnly = options.toBuilder().readOnly(true).createIfMissing(false).build();
    try (StorageEngine e = StorageEngines.open(engineName, copy, readOnly)) {
      byte[] raw = e.get(AppliedMark.KEY);
      return raw == null ? null : AppliedMark.decode(raw);
    }
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

  static void syncDirectory(Path dir) throws IOException {
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
