package dev.strata.lsm;

import dev.strata.api.Capability;
import dev.strata.api.Durability;
import dev.strata.api.EngineClosedException;
import dev.strata.api.EngineFailedException;
import dev.strata.api.EngineOptions;
import dev.strata.api.InPlaceCompaction;
import dev.strata.api.Limits;
import dev.strata.api.ReadTxn;
import dev.strata.api.StorageEngine;
import dev.strata.api.StorageException;
import dev.strata.api.StorageFullException;
import dev.strata.api.StorageIOException;
import dev.strata.api.StoreLockedException;
import dev.strata.api.WriteAmplificationMeter;
import dev.strata.api.WriteTxn;
import dev.strata.api.spi.DirectoryLock;
import dev.strata.api.spi.WriterGate;
import dev.strata.lsm.RocksOptionsFactory.RocksResources;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;

/**
 * The {@code lsm} engine: the Strata contract over RocksDB. Open it with {@code
 * StorageEngines.open("lsm", dir, options)}; cast the result to this class for the maintenance
 * methods {@link #compactRange()} and {@link #flush()}.
 *
 * <h2>Transactions</h2>
 *
 * A read transaction is a RocksDB snapshot. The write transaction holds the single-writer permit
 * and collects its writes in a write batch (indexed once the transaction reads its own writes),
 * committed with one atomic {@code db.write}; under {@link Durability#SYNC} that write fsyncs the
 * WAL before returning, under {@link Durability#NO_SYNC} it reaches the WAL without fsync. A failed
 * commit leaves nothing: the batch is all-or-nothing in the WAL, and RocksDB recovery drops a torn
 * tail.
 *
 * <h2>Meter</h2>
 *
 * Logical bytes are summed in Java per the contract. Physical bytes are this instance's RocksDB
 * tickers {@code WAL_FILE_BYTES + FLUSH_WRITE_BYTES + COMPACT_WRITE_BYTES}; syncs are the WAL's
 * plus those of table files and the {@code MANIFEST} ({@link MeterFeed}), moved into the meter
 * whenever it is read (its refresh hook), so a reading includes every finished background flush and
 * compaction. Bytes written to the {@code MANIFEST}, {@code OPTIONS} and info {@code LOG} files are
 * not counted: RocksDB has no ticker for them. They are tens of kilobytes per open, and the info
 * log grows by a few lines per flush or compaction and a statistics dump every ten minutes, so they
 * understate the amplification of very small workloads only.
 *
 * <h2>Stats keys</h2>
 *
 * {@code estimatedKeys}, {@code liveSstBytes}, {@code memtableBytes}, {@code
 * pendingCompactionBytes}, {@code filesAtLevel0} .. {@code filesAtLevel6}, {@code rocksdbWriteAmp}
 * (RocksDB's cumulative W-Amp from {@code rocksdb.cfstats}: flush plus compaction bytes over flush
 * bytes; not meaningful before the first flush), {@code blockCacheUsageBytes}, {@code walBytes},
 * {@code flushBytes}, {@code compactionBytes}, {@code openTransactions}, {@code
 * runningBackgroundJobs} (flushes plus compactions running now), {@code pendingBackgroundJobs}
 * (whether a flush and whether a compaction wait to be scheduled, 0..2); both 0 means RocksDB's
 * background work has settled, which benchmarks wait for between phases.
 *
 * <h2>Thread safety and closing</h2>
 *
 * Thread-safe. {@link #close()} makes new calls fail, waits for calls already running inside
 * transactions, ends every open transaction (freeing its native objects), syncs the WAL under
 * {@code SYNC}, closes RocksDB with {@code closeE} and reports its error, and frees every native
 * object in reverse order of creation. No call can touch freed native memory. After a write failed,
 * close skips the WAL sync and only logs RocksDB's close error, which repeats the failure the
 * caller already got.
 *
 * <h2>Errors</h2>
 *
 * RocksDB statuses map to the contract: lock held → {@link StoreLockedException}, no space → {@link
 * dev.strata.api.StorageFullException}, corruption → {@link dev.strata.api.CorruptionException},
 * other I/O errors → {@link StorageIOException}. After a commit fails with an I/O error or
 * corruption, the engine refuses further writes ({@link EngineFailedException}); after one fails
 * because the disk is full, it refuses them with {@link StorageFullException}. Either way reads
 * continue, and the way back is {@link #close()} and a reopen once the cause is gone (space freed):
 * the reopen replays the WAL, so it holds every acknowledged commit. RocksDB's own automatic
 * recovery is switched off ({@code NoAutoRecovery}): it could leave a commit waiting forever on a
 * disk that stays full.
 */
public final class LsmEngine implements StorageEngine, InPlaceCompaction {
  static final String NAME = "lsm";
  private static final System.Logger LOG = System.getLogger(LsmEngine.class.getName());

  /**
   * Strata's own lock, held in every mode: RocksDB takes none for a read-only open, and its
   * in-process check compares path strings, so an alias through a symbolic link opened the same
   * store twice in one JVM. An OS file lock identifies the file itself.
   */
  static final String LOCK_FILE = "STRATA-LSM.lock";

  private final Path directory;
  private final String description;
  private final boolean readOnly;
  private final Durability durability;
  private final WriteAmplificationMeter meter;
  private final RocksResources resources;
  private final RocksDB db;
  private final DirectoryLock lock;
  private final WriterGate gate;
  private final Set<LsmReadTxn> openTxns = ConcurrentHashMap.newKeySet();
  private final WriteFailureLatch writeFailures;
  private final EngineCalls calls;
  private final LsmMaintenance maintenance;

  private LsmEngine(
      Path directory,
      EngineOptions options,
      RocksResources resources,
      RocksDB db,
      DirectoryLock lock) {
    this.directory = directory;
    this.description = "lsm engine at " + directory;
    this.readOnly = options.readOnly();
    this.durability = options.durability();
    this.meter = resources.meterFeed.meter();
    this.resources = resources;
    this.db = db;
    this.lock = lock;
    this.gate = new WriterGate(description);
    this.writeFailures = new WriteFailureLatch(description);
    this.calls = new EngineCalls(description, writeFailures);
    this.maintenance = new LsmMaintenance(db, directory, description, readOnly, calls);
  }

  static LsmEngine open(Path requested, EngineOptions options) {
    LsmSettings settings = LsmSettings.from(options);
    Path directory = requested.toAbsolutePath().normalize();
    StoreDirectory.prepare(directory, options);
    DirectoryLock lock =
        DirectoryLock.acquire(
            directory.resolve(LOCK_FILE), "lsm store at " + directory, options.readOnly());
    RocksResources resources = null;
    RocksDB db = null;
    try {
      resources =
          RocksOptionsFactory.create(settings, options.durability(), options.createIfMissing());
      RocksDB.loadLibrary();
      try {
        db =
            options.readOnly()
                ? RocksDB.openReadOnly(resources.options, directory.toString())
                : RocksDB.open(resources.options, directory.toString());
      } catch (RocksDBException e) {
        throw RocksErrors.map("cannot open lsm store at " + directory, e);
      }
      if (!options.readOnly() && !StoreMarker.exists(directory)) {
        StoreMarker.write(directory);
      }
      LsmEngine engine = new LsmEngine(directory, options, resources, db, lock);
      LOG.log(System.Logger.Level.DEBUG, "opened {0} with {1}", directory, settings);
      return engine;
    } catch (RuntimeException | Error e) {
      if (db != null) {
        db.close();
      }
      if (resources != null) {
        resources.close();
      }
      lock.close();
      throw e;
    }
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Set<Capability> capabilities() {
    return Set.of(Capability.PERSISTENT, Capability.BACKUP);
  }

  @Override
  public ReadTxn beginRead() {
    return register(new LsmReadTxn(this));
  }

  @Override
  public WriteTxn beginWrite() {
    checkOpen();
    checkWritable();
    gate.acquire();
    try {
      return register(new LsmWriteTxn(this));
    } catch (RuntimeException | Error e) {
      gate.release();
      throw e;
    }
  }

  private <T extends LsmReadTxn> T register(T txn) {
    try {
      checkOpen();
    } catch (EngineClosedException e) {
      // A write transaction holds a native batch from its construction; nothing else frees it.
      txn.freeResources();
      throw e;
    }
    txn.enterSetup();
    try {
      openTxns.add(txn);
      if (calls.isClosed()) {
        openTxns.remove(txn);
        // Freeing twice is harmless if close() took the transaction before the removal.
        txn.freeResources();
        throw calls.closedException();
      }
      txn.openSnapshot();
      return txn;
    } finally {
      txn.exit();
    }
  }

  private void checkWritable() {
    if (readOnly) {
      throw new UnsupportedOperationException(description + " was opened read-only");
    }
    writeFailures.checkWritesAllowed();
  }

  /** Called once by a transaction when it ends. */
  void ended(LsmReadTxn txn) {
    openTxns.remove(txn);
    if (txn instanceof LsmWriteTxn) {
      gate.release();
    }
  }

  /** Writes a write transaction's batch atomically; runs inside that transaction's guard. */
  void commit(WriteBatch batch, long logicalBytes) {
    writeFailures.checkWritesAllowed();
    if (batch.count() == 0) {
      return;
    }
    try {
      db.write(resources.writeOptions, batch);
    } catch (RocksDBException e) {
      throw failure("commit", e);
    }
    committed(logicalBytes);
  }

  private void committed(long logicalBytes) {
    meter.addLogical(logicalBytes);
  }

  /**
   * Maps a RocksDB failure and, when it means the database can no longer be trusted with writes,
   * remembers it so later write transactions fail fast.
   */
  StorageException failure(String operation, RocksDBException e) {
    return writeFailures.record(operation, e);
  }

  /**
   * Reads one key from the last committed state without opening a snapshot: a single RocksDB get is
   * atomic.
   *
   * @param key the key; the caller may reuse the array
   * @return a new array that belongs to the caller, or null when absent
   * @throws NullPointerException if {@code key} is null
   * @throws IllegalArgumentException if the key is empty or too long
   * @throws EngineClosedException if the engine is closed
   */
  @Override
  public byte[] get(byte[] key) {
    Limits.checkKey(key);
    // Not through calls.call: a capturing lambda per point read on the hottest path.
    calls.enter();
    try {
      return db.get(resources.readOptions, key);
    } catch (RocksDBException e) {
      throw failure("read", e);
    } finally {
      calls.exit();
    }
  }

  /**
   * Writes one key in its own atomic write, serialised with write transactions.
   *
   * @param key the key; the caller may reuse the array
   * @param value the value; the caller may reuse the array
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the key or value is outside {@link Limits}
   * @throws EngineClosedException if the engine is closed
   * @throws UnsupportedOperationException if the engine is read-only
   * @throws StorageException as {@link WriteTxn#commit()} does
   */
  @Override
  public void put(byte[] key, byte[] value) {
    Limits.checkKey(key);
    Limits.checkValue(value);
    writeOnce(key, value);
  }

  /**
   * Deletes one key in its own atomic write, serialised with write transactions.
   *
   * @param key the key; the caller may reuse the array
   * @throws NullPointerException if {@code key} is null
   * @throws IllegalArgumentException if the key is empty or too long
   * @throws EngineClosedException if the engine is closed
   * @throws UnsupportedOperationException if the engine is read-only
   * @throws StorageException as {@link WriteTxn#commit()} does
   */
  @Override
  public void delete(byte[] key) {
    Limits.checkKey(key);
    writeOnce(key, null);
  }

  private void writeOnce(byte[] key, byte[] valueOrNullToDelete) {
    checkOpen();
    checkWritable();
    gate.acquire();
    try {
      calls.enter();
      try {
        if (valueOrNullToDelete == null) {
          db.delete(resources.writeOptions, key);
          meter.addLogical(key.length);
        } else {
          db.put(resources.writeOptions, key, valueOrNullToDelete);
          meter.addLogical((long) key.length + valueOrNullToDelete.length);
        }
      } catch (RocksDBException e) {
        throw failure("commit", e);
      } finally {
        calls.exit();
      }
    } finally {
      gate.release();
    }
  }

  /**
   * Returns this engine's meter. It is current whenever it is read: every reading first moves the
   * finished WAL, flush and compaction writes from RocksDB's tickers into it (see {@code
   * MeterFeed}); after close it keeps the last figures.
   *
   * @return the meter, live for the engine's lifetime
   */
  @Override
  public WriteAmplificationMeter meter() {
    return meter;
  }

  /**
   * Returns RocksDB's {@code rocksdb.estimate-num-keys}: memtable and SST entry counts minus
   * deletions, kept by RocksDB and read without touching data. Overwrites and deletes not yet
   * compacted away skew it, and a range deletion lowers it only once compaction drops the keys.
   *
   * @return the estimate, at least 0
   * @throws EngineClosedException if the engine is closed
   */
  @Override
  public long approximateKeyCount() {
    return calls.call("stats", () -> Math.max(0, db.getLongProperty("rocksdb.estimate-num-keys")));
  }

  /**
   * Returns RocksDB figures; the keys are listed in the class documentation.
   *
   * @return an unmodifiable map
   * @throws EngineClosedException if the engine is closed
   */
  @Override
  public Map<String, Number> stats() {
    return calls.call("stats", () -> LsmStats.collect(db, resources, openTxns.size()));
  }

  /**
   * Verifies the checksum of every block of every live SST file ({@code verifyChecksum}) and the
   * store marker.
   *
   * @throws dev.strata.api.CorruptionException naming the damaged file and block offset
   * @throws EngineClosedException if the engine is closed
   */
  @Override
  public void verifyIntegrity() {
    maintenance.verifyIntegrity();
  }

  /**
   * Writes a RocksDB checkpoint (hard links to the immutable SST files where the file system
   * allows, copies otherwise) and the store marker into {@code target}; it opens as an {@code lsm}
   * store. Writers and readers continue meanwhile.
   *
   * @param target a directory that does not exist or is empty
   * @throws NullPointerException if {@code target} is null
   * @throws IllegalArgumentException if {@code target} exists and is not an empty directory
   * @throws StorageIOException if the copy cannot be written
   * @throws EngineClosedException if the engine is closed
   */
  @Override
  public void backup(Path target) {
    maintenance.backup(target);
  }

  /**
   * Compacts the whole key space now (flushing the memtable first), so that reads touch fewer files
   * and space held by overwritten and deleted entries is reclaimed. Blocks until done; readers and
   * the writer continue meanwhile.
   *
   * @throws EngineClosedException if the engine is closed
   * @throws UnsupportedOperationException if the engine is read-only
   * @throws StorageException if RocksDB reports an error
   */
  public void compactRange() {
    maintenance.compactRange();
  }

  /** {@inheritDoc} Runs {@link #compactRange()}. */
  @Override
  public void compactInPlace() {
    compactRange();
  }

  /**
   * Flushes the memtable to a new SST file and waits for it. Committed data is already durable
   * through the WAL (under {@code SYNC}); this only moves it into the tree, e.g. to measure write
   * amplification or before copying files.
   *
   * @throws EngineClosedException if the engine is closed
   * @throws UnsupportedOperationException if the engine is read-only
   * @throws StorageException if RocksDB reports an error
   */
  public void flush() {
    maintenance.flush();
  }

  @Override
  public void close() {
    if (!calls.close()) {
      return;
    }
    gate.close();
    calls.awaitIdle();
    for (LsmReadTxn txn : new ArrayList<>(openTxns)) {
      txn.awaitIdle();
      txn.endByEngine();
    }
    List<StorageException> errors = new ArrayList<>();
    StorageException earlier = writeFailures.failure();
    if (!readOnly && durability == Durability.SYNC && earlier == null) {
      try {
        db.syncWal();
      } catch (RocksDBException e) {
        errors.add(RocksErrors.map("syncing the WAL while closing " + description, e));
      }
    }
    try {
      db.closeE();
    } catch (RocksDBException e) {
      errors.add(RocksErrors.map("closing " + description, e));
    }
    resources.close();
    lock.close();
    if (earlier != null && !errors.isEmpty()) {
      // RocksDB's WAL writer keeps the error that already failed a write and repeats it on close;
      // the caller was told then, and every acknowledged commit had reached the WAL before it.
      LOG.log(System.Logger.Level.WARNING, "closing " + description, errors.get(0));
      return;
    }
    if (!errors.isEmpty()) {
      StorageException first = errors.get(0);
      for (int i = 1; i < errors.size(); i++) {
        first.addSuppressed(errors.get(i));
      }
      throw first;
    }
  }

  boolean isClosed() {
    return calls.isClosed();
  }

  void checkOpen() {
    calls.checkOpen();
  }

  RocksDB db() {
    return db;
  }

  ReadOptions latestReadOptions() {
    return resources.readOptions;
  }

  String description() {
    return description;
  }

  @Override
  public String toString() {
    return description;
  }
}
