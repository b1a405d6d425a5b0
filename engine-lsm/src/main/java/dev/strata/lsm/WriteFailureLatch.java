package dev.strata.lsm;

import dev.strata.api.EngineFailedException;
import dev.strata.api.StorageException;
import dev.strata.api.StorageFullException;
import org.rocksdb.RocksDBException;

/**
 * Remembers the first failure after which an {@code lsm} engine refuses writes. With RocksDB's
 * automatic recovery off ({@link NoAutoRecovery}), a write that failed with an I/O error, a full
 * disk or corruption leaves RocksDB's error set, so every later write would fail anyway; refusing
 * them here names the original cause, and a full disk keeps its own type so the caller knows that
 * freeing space and reopening is the way back.
 *
 * <p>Thread-safe: the failure is one volatile field. Two failures racing may both see it unset and
 * the later write wins; either is fatal, so either serves as the cause.
 */
final class WriteFailureLatch {
  private static final System.Logger LOG = System.getLogger(LsmEngine.class.getName());

  private final String description;
  private volatile StorageException failure;

  /**
   * @param description the engine's description, which opens every message
   */
  WriteFailureLatch(String description) {
    this.description = description;
  }

  /**
   * Maps a RocksDB failure and, when it means the database can no longer be trusted with writes,
   * remembers it so later writes fail fast.
   *
   * @return the mapped exception, for the caller to throw
   */
  StorageException record(String operation, RocksDBException e) {
    StorageException mapped = RocksErrors.map(operation + " on " + description, e);
    if (RocksErrors.isFatalForWrites(mapped) && failure == null) {
      failure = mapped;
      LOG.log(System.Logger.Level.ERROR, description + " refuses writes from now on", mapped);
    }
    return mapped;
  }

  /**
   * Passes when no write has failed fatally.
   *
   * @throws StorageFullException if a write failed because the disk was full
   * @throws EngineFailedException if a write failed with an I/O error or corruption
   */
  void checkWritesAllowed() {
    StorageException earlier = failure;
    if (earlier instanceof StorageFullException) {
      throw new StorageFullException(
          description
              + " refuses writes since the disk filled up; free space and reopen it: "
              + earlier.getMessage(),
          earlier);
    }
    if (earlier != null) {
      throw new EngineFailedException(
          description + " refuses writes after an earlier failure: " + earlier.getMessage(),
          earlier);
    }
  }

  /** Returns the remembered failure, or null when no write has failed fatally. */
  StorageException failure() {
    return failure;
  }
}
