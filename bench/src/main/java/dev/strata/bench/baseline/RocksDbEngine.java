package dev.strata.bench.baseline;

import dev.strata.api.CorruptionException;
import dev.strata.api.EngineOptions;
import dev.strata.api.Limits;
import dev.strata.api.StorageException;
import dev.strata.api.StorageIOException;
import dev.strata.api.StoreLockedException;
import dev.strata.api.WriteAmplificationMeter;
import dev.strata.api.spi.DirectoryLock;
import dev.strata.api.spi.StoreFiles;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.rocksdb.Checkpoint;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.Statistics;
import org.rocksdb.TickerType;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * The {@code rocksdb} baseline: raw rocksdbjni calls with the {@code lsm} engine's default options
 * ({@link LsmDefaultRocksOptions}) and RocksDB's default bytewise comparator, which is Strata's
 * unsigned order.
 *
 * <p>Shortcuts against the Strata contract, acceptable for a benchmark baseline:
 *
 * <ul>
 *   <li>a write transaction is a plain {@link WriteBatch} applied by {@code db.write}; its reads go
 *       to the database and do not see the transaction's own writes;
 *   <li>a read transaction is a RocksDB snapshot; the one-shot {@link #get(byte[])} and {@link
 *       #put(byte[], byte[])} skip the transaction objects and call {@code db.get} / {@code db.put}
 *       directly.
 * </ul>
 *
 * <p>The meter's physical bytes are RocksDB's own tickers {@code WAL_FILE_BYTES + FLUSH_WRITE_BYTES
 * + COMPACT_WRITE_BYTES} and its syncs {@code WAL_FILE_SYNCED}, folded into the meter whenever
 * {@link #meter()} or {@link #stats()} is called.
 *
 * <p>Stats keys: {@code estimatedKeys}, {@code walBytes}, {@code flushBytes}, {@code
 * compactionBytes}, {@code liveSstBytes}, {@code physicalMetered} (always 1), {@code
 * runningBackgroundJobs} and {@code pendingBackgroundJobs} (as the {@code lsm} engine reports
 * them). Thread-safe.
 */
final class RocksDbEngine extends BaselineEngine {
  static final String NAME = "rocksdb";

  static {
    RocksDB.loadLibrary();
  }

  private final LsmDefaultRocksOptions rocksOptions;
  private final Options options;
  private final Statistics statistics;
  private final RocksDB db;
  private final WriteOptions writeOptions;
  private long foldedPhysical;
  private long foldedSyncs;
  private volatile boolean dbClosed;

  private RocksDbEngine(Path directory, EngineOptions engineOptions, DirectoryLock lock) {
    super(NAME, directory, engineOptions.readOnly(), lock);
    this.rocksOptions = new LsmDefaultRocksOptions(engineOptions.durability());
    this.options = rocksOptions.options();
    this.statistics = rocksOptions.statistics();
    this.writeOptions = rocksOptions.writeOptions();
    try {
      this.db =
          engineOptions.readOnly()
              ? RocksDB.openReadOnly(options, directory.toString())
              : RocksDB.open(options, directory.toString());
    } catch (RocksDBException e) {
      releaseNative();
      String message = String.valueOf(e.getMessage());
      if (message.contains("lock")) {
        throw new StoreLockedException("rocksdb store " + directory() + " is locked: " + message);
      }
      if (message.contains("Corruption")) {
        throw new CorruptionException("rocksdb store " + directory() + ": " + message, e);
      }
      throw new StorageIOException("cannot open rocksdb store " + directory() + ": " + message, e);
    }
  }

  static RocksDbEngine open(Path directory, EngineOptions options) {
    options.requireKnownSettings(NAME + ".", Set.of());
    if (!options.createIfMissing() && !BaselineDirectory.hasStoreFiles(directory)) {
      throw new StorageException(
          "no rocksdb store in " + directory + " and createIfMissing is false");
    }
    DirectoryLock lock = BaselineDirectory.acquire(NAME, directory, options.createIfMissing());
    try {
      return new RocksDbEngine(directory, options, lock);
    } catch (RuntimeException e) {
      lock.close();
      throw e;
    }
  }

  private void releaseNative() {
    rocksOptions.close();
  }

  @Override
  BaselineTxn newReadTxn() {
    return new RocksDbTxn(this, guard(), db, db.getSnapshot(), false);
  }

  @Override
  BaselineTxn newWriteTxn() {
    return new RocksDbTxn(this, guard(), db, null, true);
  }

  @Override
  public byte[] get(byte[] key) {
    Limits.checkKey(key);
    checkOpen();
    enter();
    try {
      return db.get(key);
    } catch (RocksDBException e) {
      throw new StorageIOException("rocksdb get failed in " + directory(), e);
    } finally {
      guard().exit();
    }
  }

  @Override
  public void put(byte[] key, byte[] value) {
    Limits.checkKey(key);
    Limits.checkValue(value);
    writeOutsideTxn(
        () -> {
          try {
            db.put(writeOptions, key, value);
          } catch (RocksDBException e) {
            throw new StorageIOException("rocksdb put failed in " + directory(), e);
          }
          meter.addLogical(key.length + value.length);
        });
  }

  /** Applies a write transaction's batch; called under the writer gate. */
  void write(WriteBatch batch, long logicalBytes) {
    try {
      db.write(writeOptions, batch);
    } catch (RocksDBException e) {
      String message = String.valueOf(e.getMessage());
      if (message.contains("No space")) {
        throw new dev.strata.api.StorageFullException(
            "rocksdb store " + directory() + " is out of space: " + message, e);
      }
      throw new StorageIOException("rocksdb write failed in " + directory() + ": " + message, e);
    }
    meter.addLogical(logicalBytes);
  }

  void releaseSnapshot(org.rocksdb.Snapshot snapshot) {
    if (!dbClosed) {
      db.releaseSnapshot(snapshot);
    }
  }

  @Override
  public synchronized WriteAmplificationMeter meter() {
    if (guard().tryEnter()) {
      try {
        fold();
      } finally {
        guard().exit();
      }
    }
    return meter;
  }

  /** Adds RocksDB's byte and sync tickers since the last fold to the meter. */
  private synchronized void fold() {
    long physical =
        statistics.getTickerCount(TickerType.WAL_FILE_BYTES)
            + statistics.getTickerCount(TickerType.FLUSH_WRITE_BYTES)
            + statistics.getTickerCount(TickerType.COMPACT_WRITE_BYTES);
    long syncs = statistics.getTickerCount(TickerType.WAL_FILE_SYNCED);
    meter.addPhysical(Math.max(0, physical - foldedPhysical));
    meter.addSyncs(Math.max(0, syncs - foldedSyncs));
    foldedPhysical = Math.max(physical, foldedPhysical);
    foldedSyncs = Math.max(syncs, foldedSyncs);
  }

  /** RocksDB's {@code rocksdb.estimate-num-keys}, as the {@code lsm} engine reports it. */
  @Override
  public long approximateKeyCount() {
    return Math.max(0, stats().get("estimatedKeys").longValue());
  }

  @Override
  public Map<String, Number> stats() {
    checkOpen();
    meter();
    Map<String, Number> stats = new LinkedHashMap<>();
    enter();
    try {
      stats.put("estimatedKeys", db.getLongProperty("rocksdb.estimate-num-keys"));
      stats.put("liveSstBytes", db.getLongProperty("rocksdb.live-sst-files-size"));
      stats.put(
          "runningBackgroundJobs",
          db.getLongProperty("rocksdb.num-running-flushes")
              + db.getLongProperty("rocksdb.num-running-compactions"));
      stats.put(
          "pendingBackgroundJobs",
          db.getLongProperty("rocksdb.mem-table-flush-pending")
              + db.getLongProperty("rocksdb.compaction-pending"));
    } catch (RocksDBException e) {
      throw new StorageIOException("cannot read rocksdb properties in " + directory(), e);
    } finally {
      guard().exit();
    }
    stats.put("walBytes", statistics.getTickerCount(TickerType.WAL_FILE_BYTES));
    stats.put("flushBytes", statistics.getTickerCount(TickerType.FLUSH_WRITE_BYTES));
    stats.put("compactionBytes", statistics.getTickerCount(TickerType.COMPACT_WRITE_BYTES));
    stats.put("physicalMetered", 1);
    return Map.copyOf(stats);
  }

  @Override
  public void verifyIntegrity() {
    checkOpen();
    enter();
    try {
      db.verifyChecksum();
    } catch (RocksDBException e) {
      throw new CorruptionException("rocksdb store " + directory() + ": " + e.getMessage(), e);
    } finally {
      guard().exit();
    }
  }

  @Override
  public void backup(Path target) {
    Objects.requireNonNull(target, "target");
    checkOpen();
    StoreFiles.prepareEmptyDirectory(target);
    enter();
    try {
      // A checkpoint needs a directory that does not exist yet.
      java.nio.file.Files.delete(target);
      try (Checkpoint checkpoint = Checkpoint.create(db)) {
        checkpoint.createCheckpoint(target.toString());
      }
    } catch (RocksDBException | java.io.IOException e) {
      throw new StorageIOException(
          "cannot back up rocksdb store " + directory() + " to " + target, e);
    } finally {
      guard().exit();
    }
  }

  @Override
  void closeNative() {
    dbClosed = true;
    db.close();
    // Closing may flush; the statistics object outlives the database so those bytes count too.
    fold();
    releaseNative();
  }
}
