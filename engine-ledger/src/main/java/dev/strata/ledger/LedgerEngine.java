package dev.strata.ledger;

import dev.strata.api.Capability;
import dev.strata.api.CorruptionException;
import dev.strata.api.EngineClosedException;
import dev.strata.api.EngineOptions;
import dev.strata.api.Limits;
import dev.strata.api.ReadTxn;
import dev.strata.api.StorageEngine;
import dev.strata.api.StorageException;
import dev.strata.api.StorageIOException;
import dev.strata.api.StoreLockedException;
import dev.strata.api.WriteAmplificationMeter;
import dev.strata.api.WriteTxn;
import dev.strata.api.spi.DirectoryLock;
import dev.strata.api.spi.InterruptShield;
import dev.strata.api.spi.SettingsReader;
import dev.strata.api.spi.StoreMarker;
import dev.strata.api.spi.WriteOverlay;
import dev.strata.api.spi.WriterGate;
import dev.strata.ledger.index.KeyIndex;
import dev.strata.ledger.log.CommittedState;
import dev.strata.ledger.log.LogBackup;
import dev.strata.ledger.log.SegmentLog;
import dev.strata.ledger.log.SyncMark;
import dev.strata.ledger.merkle.MerkleStore;
import dev.strata.ledger.read.LedgerReader;
import dev.strata.ledger.recovery.OpenedLedger;
import dev.strata.ledger.recovery.Recovery;
import dev.strata.ledger.verify.IntegrityCheck;
import dev.strata.ledger.write.CommitPipeline;
import dev.strata.ledger.write.LedgerWriter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The {@code ledger} engine: an append-only, tamper-evident key-value store. Every committed write
 * is appended to segment files as an entry with a gapless sequence number; nothing is overwritten
 * (a delete appends a tombstone). Entries are linked by a SHA-256 hash chain, and an RFC 9162
 * Merkle tree over them yields compact {@linkplain #digest() digests}, {@linkplain #proveInclusion
 * inclusion} and {@linkplain #proveConsistency consistency} proofs that a client checks with {@link
 * LedgerProofs} alone. {@link #history} and {@link #getAt} read past versions.
 *
 * <p>Open it with {@link #open(Path, EngineOptions)} or {@code (LedgerEngine)
 * StorageEngines.open("ledger", dir, options)}. Settings: {@code ledger.segmentBytes} (size at
 * which a new segment starts; default {@code 64MiB}, from {@code 4KiB} to {@code 64GiB}) and {@code
 * ledger.hashThread} ({@code true} by default: large commits hash their Merkle leaves on a helper
 * thread, see below; {@code false} hashes everything on the committing thread).
 *
 * <h2>Durability and group commit</h2>
 *
 * Under {@code SYNC} a commit appends its block, releases the writer lock and waits for a sync;
 * commits that arrive meanwhile share the next one. A commit becomes visible to readers only once
 * it is durable, and commits become visible in order.
 *
 * <h2>Thread safety</h2>
 *
 * Thread-safe, as {@link StorageEngine} specifies. Proof and digest calls briefly serialize with
 * the writer's Merkle update.
 *
 * <h2>Threads</h2>
 *
 * Unless {@code ledger.hashThread} is {@code false} or the JVM has one processor, a writable engine
 * starts one daemon thread, {@code strata-ledger-merkle <directory>}, at its first commit of 8 or
 * more entries: it hashes each such block's Merkle leaves and nodes while the committing thread
 * runs the hash chain and writes the block. Between commits it spins for 200 µs waiting for the
 * next block, then parks; while large commits stream it keeps one core busy, which is why it can be
 * turned off. {@link #close()} stops it.
 *
 * <h2>Stats keys</h2>
 *
 * {@code entries} (ledger size), {@code lastSeq} (-1 when empty), {@code segments}, {@code bytes}
 * (segment bytes), {@code mappedBytes} (segment bytes that reads reach through read-only memory
 * mappings instead of {@code pread}; they count towards the process's RSS as page cache, not heap),
 * {@code merkleBytes} (derived Merkle files), {@code liveKeys}, {@code tombstones} (keys whose
 * latest entry is a delete), {@code indexMemoryBytes} (heap estimate of the key index), {@code
 * transactions} (last txn id), {@code groupCommits} and {@code groupSyncs} (commits published by,
 * and number of, group syncs), {@code chainHead64} (the first 8 bytes of the chain head as a
 * big-endian long: {@code HexFormat.of().toHexDigits(value)} prints them).
 */
public final class LedgerEngine implements StorageEngine {
  static final String NAME = "ledger";

  /** The setting that turns the Merkle hashing thread on or off (tests switch it). */
  static final String HASH_THREAD = "ledger.hashThread";

  private static final long CHECKPOINT_AFTER_REPLAY = 1 << 16;
  private static final System.Logger LOG = System.getLogger(LedgerEngine.class.getName());

  private final Path directory;
  private final boolean readOnly;
  private final WriteAmplificationMeter meter;
  private final WriterGate gate;
  private final ReentrantReadWriteLock closeLock = new ReentrantReadWriteLock();
  private final Set<LedgerReadTxn> openTxns = ConcurrentHashMap.newKeySet();

  /** The open write transaction, kept apart from the read transactions: one per commit at most. */
  private volatile LedgerWriteTxn writeTxn;

  /** The lock file held while the ledger is open; holds no data. */
  static final String LOCK_FILE = "LOCK";

  private final DirectoryLock lock;
  final SegmentLog log;
  final MerkleStore merkle;
  final KeyIndex index;
  private final CommitPipeline pipeline;
  final LedgerReader reader;
  final LedgerWriter writer;
  private final LedgerQueries queries;

  private volatile boolean closed;

  private LedgerEngine(
      Path directory,
      EngineOptions options,
      WriteAmplificationMeter meter,
      DirectoryLock lock,
      Recovery r,
      SyncMark mark,
      boolean hashThread) {
    this.directory = directory;
    this.readOnly = options.readOnly();
    this.meter = meter;
    this.gate = new WriterGate("ledger engine at " + directory);
    this.lock = lock;
    this.log = r.log;
    this.merkle = r.merkle;
    this.index = r.index;
    this.reader = new LedgerReader(directory, log, merkle, index);
    this.pipeline =
        new CommitPipeline(
            new CommittedState(r.size, r.chainHead, r.markerPosition, r.endPosition),
            options.durability() == dev.strata.api.Durability.SYNC,
            meter);
    this.writer =
        new LedgerWriter(directory, log, merkle, index, pipeline, meter, r, mark, hashThread, LOG);
    this.queries = new LedgerQueries(directory, log, merkle, index, reader, writer, pipeline);
  }

  /**
   * Opens or creates a ledger.
   *
   * @param directory the store's directory
   * @param options the options; the ledger settings are {@code ledger.segmentBytes} and {@code
   *     ledger.hashThread}
   * @return the open engine; the caller must close it
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if a {@code ledger.} setting is unknown or out of range
   * @throws StoreLockedException if the store is already open
   * @throws dev.strata.api.TamperException if the log no longer holds history the index checkpoint
   *     vouches for, or a replayed entry breaks the hash chain
   * @throws CorruptionException if a file fails its checksum outside a torn tail
   * @throws dev.strata.api.UnsupportedFormatException if a newer format version wrote the store
   * @throws StorageException if the store is missing and {@code createIfMissing} is false
   */
  public static LedgerEngine open(Path directory, EngineOptions options) {
    Objects.requireNonNull(directory, "directory");
    Objects.requireNonNull(options, "options");
    SettingsReader settings = SettingsReader.forEngine(options, NAME, "segmentBytes", "hashThread");
    long segmentBytes = settings.longValue("segmentBytes", 64L << 20, 4096, 64L << 30);
    boolean hashThread = settings.booleanValue("hashThread", true);
    boolean writable = !options.readOnly();
    StoreMarker.claim(directory, NAME, SegmentLog.FORMAT_VERSION, options);
    try {
      OpenedLedger files =
          OpenedLedger.open(
              directory,
              segmentBytes,
              writable,
              options.createIfMissing(),
              options.fileIO(),
              LOCK_FILE,
              LOG);
      Recovery r = files.recovery();
      LedgerEngine engine =
          new LedgerEngine(
              directory, options, files.meter(), files.lock(), r, files.syncMark(), hashThread);
      if (writable && r.replayed >= CHECKPOINT_AFTER_REPLAY) {
        engine.writer.writeCheckpoint();
      }
      return engine;
    } catch (IOException e) {
      throw new StorageIOException("cannot open ledger in " + directory, e);
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
  public WriteAmplificationMeter meter() {
    return meter;
  }

  // ---- transactions ----

  @Override
  public ReadTxn beginRead() {
    checkOpen();
    LedgerReadTxn txn = new LedgerReadTxn(this, pipeline.visible().size());
    return register(txn);
  }

  @Override
  public WriteTxn beginWrite() {
    checkOpen();
    if (readOnly) {
      throw new UnsupportedOperationException("ledger at " + directory + " was opened read-only");
    }
    writer.checkNotFailed();
    gate.acquire();
    LedgerWriteTxn txn = new LedgerWriteTxn(this);
    writeTxn = txn;
    if (closed) {
      txn.close();
      throw closedException();
    }
    return txn;
  }

  private ReadTxn register(LedgerReadTxn txn) {
    openTxns.add(txn);
    if (closed) {
      txn.close();
      throw closedException();
    }
    return txn;
  }

  void ended(LedgerReadTxn txn) {
    if (txn instanceof LedgerWriteTxn) {
      writeTxn = null;
      gate.release();
    } else {
      openTxns.remove(txn);
    }
  }

  /** Starts a call that close() waits for; a pending interrupt must not close the files. */
  void enter() {
    InterruptShield.enter();
    closeLock.readLock().lock();
  }

  void exit() {
    closeLock.readLock().unlock();
    InterruptShield.exit();
  }

  /** Appends a write transaction's block; runs under the writer gate. */
  CommittedState append(WriteOverlay overlay) {
    checkOpen();
    return writer.append(overlay);
  }

  // ---- the verifiable API ----

  /**
   * Returns a digest of the last committed (durable, visible) state. Keep it outside the store to
   * check proofs and {@link #verify(LedgerDigest)} later.
   *
   * @return the digest
   * @throws EngineClosedException if the engine is closed
   * @throws CorruptionException if a persisted Merkle node fails its checksum
   */
  public LedgerDigest digest() {
    enter();
    try {
      checkOpen();
      return queries.digest();
    } finally {
      exit();
    }
  }

  /**
   * Proves that entry {@code seq} is in the tree of the first {@code digestSize} entries. Costs
   * O(log n) node reads and re-hashing at most one 16-entry chunk.
   *
   * @param seq the entry's sequence number
   * @param digestSize the size of the digest the client holds
   * @return the proof; check it with {@link LedgerProofs#verifyInclusion}
   * @throws IllegalArgumentException unless {@code 0 <= seq < digestSize <= digest().size()}
   * @throws EngineClosedException if the engine is closed
   */
  public InclusionProof proveInclusion(long seq, long digestSize) {
    enter();
    try {
      checkOpen();
      return queries.proveInclusion(seq, digestSize);
    } finally {
      exit();
    }
  }

  /**
   * Proves that the tree of the first {@code oldSize} entries is a prefix of the tree of the first
   * {@code newSize}: history between two digests was only appended to.
   *
   * @param oldSize the older digest's size
   * @param newSize the newer digest's size
   * @return the proof; check it with {@link LedgerProofs#verifyConsistency}
   * @throws IllegalArgumentException unless {@code 0 <= oldSize <= newSize <= digest().size()}
   * @throws EngineClosedException if the engine is closed
   */
  public ConsistencyProof proveConsistency(long oldSize, long newSize) {
    enter();
    try {
      checkOpen();
      return queries.proveConsistency(oldSize, newSize);
    } finally {
      exit();
    }
  }

  /**
   * Checks that the store still extends a digest held outside it: replays the whole log as {@link
   * #verifyIntegrity()} does and checks that the Merkle root and chain head after the first {@code
   * trusted.size()} entries equal the digest's. Detects truncation and rewritten history, which the
   * chain alone cannot when the rewrite recomputed it.
   *
   * @param trusted a digest obtained earlier from this ledger
   * @throws NullPointerException if {@code trusted} is null
   * @throws dev.strata.api.TamperException naming the first sequence number that fails
   * @throws EngineClosedException if the engine is closed
   */
  public void verify(LedgerDigest trusted) {
    Objects.requireNonNull(trusted, "trusted");
    enter();
    try {
      checkOpen();
      queries
          .integrityCheck(
              new IntegrityCheck.Trusted(trusted.size(), trusted.merkleRoot(), trusted.chainHead()))
          .run();
    } finally {
      exit();
    }
  }

  /**
   * Returns every committed version of a key, oldest first, including deletes.
   *
   * @param key the key; the caller may reuse the array
   * @return an unmodifiable list, empty when the key was never written
   * @throws NullPointerException if {@code key} is null
   * @throws IllegalArgumentException if the key is empty or too long
   * @throws EngineClosedException if the engine is closed
   */
  public List<KeyVersion> history(byte[] key) {
    Limits.checkKey(key);
    enter();
    try {
      checkOpen();
      return queries.history(key);
    } finally {
      exit();
    }
  }

  /**
   * Returns a key's value as it was right after entry {@code seq} was committed.
   *
   * @param key the key; the caller may reuse the array
   * @param seq a committed sequence number
   * @return a new array that belongs to the caller, or null when the key was absent or deleted
   * @throws NullPointerException if {@code key} is null
   * @throws IllegalArgumentException if the key is invalid or {@code seq} is not a committed
   *     sequence number
   * @throws EngineClosedException if the engine is closed
   */
  public byte[] getAt(byte[] key, long seq) {
    Limits.checkKey(key);
    enter();
    try {
      checkOpen();
      return queries.getAt(key, seq);
    } finally {
      exit();
    }
  }

  /**
   * Returns one committed entry.
   *
   * @param seq its sequence number
   * @return the entry; {@link LedgerEntry#leafHash()} is its Merkle leaf
   * @throws IllegalArgumentException if {@code seq} is not a committed sequence number
   * @throws EngineClosedException if the engine is closed
   */
  public LedgerEntry entry(long seq) {
    enter();
    try {
      checkOpen();
      return queries.entry(seq);
    } finally {
      exit();
    }
  }

  // ---- maintenance ----

  /**
   * Exact for the published state: the writer's live-key counter, which each commit updates as it
   * indexes its entries. A commit still waiting for its sync may already be counted.
   */
  @Override
  public long approximateKeyCount() {
    enter();
    try {
      checkOpen();
      return writer.liveKeys();
    } finally {
      exit();
    }
  }

  @Override
  public Map<String, Number> stats() {
    enter();
    try {
      checkOpen();
      return queries.stats();
    } finally {
      exit();
    }
  }

  /**
   * Replays the whole log: every record's checksum, gapless sequence numbers, {@code prevSeq}
   * links, the hash chain against every commit marker, the Merkle chunks and nodes against the
   * persisted ones, and the index against the latest entry of every key. Reads at about disk speed;
   * runs beside readers and the writer, on the state committed when it starts.
   *
   * @throws dev.strata.api.TamperException naming the first bad sequence number, file and offset
   * @throws EngineClosedException if the engine is closed
   */
  @Override
  public void verifyIntegrity() {
    enter();
    try {
      checkOpen();
      queries.integrityCheck(null).run();
    } finally {
      exit();
    }
  }

  /**
   * Copies the committed log into {@code target} without blocking readers or the writer: the log is
   * append-only, so the segments up to the last visible commit marker are a consistent prefix. The
   * copy rebuilds its index and Merkle files on first open.
   */
  @Override
  public void backup(Path target) {
    Objects.requireNonNull(target, "target");
    enter();
    try {
      checkOpen();
      LogBackup.copy(log, pipeline.visible().endPosition(), target);
    } catch (IOException e) {
      throw new StorageIOException("cannot back up ledger " + directory + " to " + target, e);
    } finally {
      exit();
    }
  }

  // ---- life cycle ----

  boolean isClosed() {
    return closed;
  }

  private void checkOpen() {
    if (closed) {
      throw closedException();
    }
  }

  private EngineClosedException closedException() {
    return new EngineClosedException("ledger engine at " + directory + " is closed");
  }

  Path directory() {
    return directory;
  }

  /**
   * Closes the engine: rolls back the open write transaction, ends read transactions, waits for
   * calls in flight, persists the index checkpoint (so the next open replays nothing), and releases
   * the directory lock. Idempotent.
   */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    gate.close();
    LedgerWriteTxn writing = writeTxn;
    if (writing != null) {
      writing.close();
    }
    for (LedgerReadTxn txn : new ArrayList<>(openTxns)) {
      txn.close();
    }
    closeLock.writeLock().lock();
    try {
      // Rewriting the whole index on every close would cost more than replaying a short tail.
      if (!readOnly) {
        writer.checkpointOnClose();
        writer.syncOnClose();
      }
      writer.close();
      merkle.close();
      log.close();
      lock.close();
    } finally {
      closeLock.writeLock().unlock();
    }
  }
}
