package dev.strata.lsm;

import dev.strata.api.StorageException;
import dev.strata.api.StorageIOException;
import java.nio.file.Path;
import java.util.Objects;
import org.rocksdb.Checkpoint;
import org.rocksdb.FlushOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;

/**
 * The RocksDB side of {@link LsmEngine}'s whole-store operations: the integrity check, the online
 * backup (a checkpoint), and the maintenance calls flush and compaction. Each runs inside the
 * engine's call guard, so {@code close()} waits for it; the contracts are on {@link LsmEngine}.
 *
 * <p>Thread-safe: RocksDB runs these beside readers and the writer.
 */
final class LsmMaintenance {
  private final RocksDB db;
  private final Path directory;
  private final String description;
  private final boolean readOnly;
  private final EngineCalls calls;

  LsmMaintenance(
      RocksDB db, Path directory, String description, boolean readOnly, EngineCalls calls) {
    this.db = db;
    this.directory = directory;
    this.description = description;
    this.readOnly = readOnly;
    this.calls = calls;
  }

  /** Checks the store marker, then every block of every live SST file. */
  void verifyIntegrity() {
    calls.run(
        "verifyIntegrity",
        () -> {
          if (StoreMarker.exists(directory)) {
            StoreMarker.check(directory);
          }
          db.verifyChecksum();
        });
  }

  /**
   * Writes a checkpoint and the store marker into {@code target}. Any RocksDB error is the copy's,
   * so it is reported as {@link StorageIOException} and never marks the engine failed for writes.
   */
  void backup(Path target) {
    Objects.requireNonNull(target, "target");
    calls.enter();
    try {
      Path dir = target.toAbsolutePath().normalize();
      StoreDirectory.prepareBackupTarget(dir);
      try (Checkpoint checkpoint = Checkpoint.create(db)) {
        checkpoint.createCheckpoint(dir.toString());
      }
      if (readOnly) {
        // A read-only RocksDB cannot flush, and its checkpoint leaves out the write-ahead log:
        // commits not yet in a table would be missing from the copy.
        StoreDirectory.copyWriteAheadLogs(directory, dir);
      }
      StoreMarker.write(dir);
    } catch (RocksDBException e) {
      StorageException mapped = RocksErrors.map("backup of " + description + " to " + target, e);
      throw mapped instanceof StorageIOException
          ? mapped
          : new StorageIOException(mapped.getMessage(), e);
    } finally {
      calls.exit();
    }
  }

  /** Compacts the whole key space, the memtable flushed first. */
  void compactRange() {
    maintain("compactRange", db::compactRange);
  }

  /** Flushes the memtable to a new SST file and waits for it. */
  void flush() {
    maintain(
        "flush",
        () -> {
          try (FlushOptions options = new FlushOptions().setWaitForFlush(true)) {
            db.flush(options);
          }
        });
  }

  /** Runs a maintenance call, which only a writable engine takes. */
  private void maintain(String what, EngineCalls.RocksAction action) {
    if (readOnly) {
      throw new UnsupportedOperationException(description + " was opened read-only");
    }
    calls.run(what, action);
  }
}
