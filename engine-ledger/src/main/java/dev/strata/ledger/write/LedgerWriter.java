package dev.strata.ledger.write;

import dev.strata.api.EngineFailedException;
import dev.strata.api.StorageException;
import dev.strata.api.StorageFullException;
import dev.strata.api.StorageIOException;
import dev.strata.api.WriteAmplificationMeter;
import dev.strata.api.spi.FileIO;
import dev.strata.api.spi.IoErrorKind;
import dev.strata.api.spi.StorageFile;
import dev.strata.api.spi.WriteOverlay;
import dev.strata.ledger.format.RecordFormat;
import dev.strata.ledger.index.IndexCheckpoint;
import dev.strata.ledger.index.IndexEntry;
import dev.strata.ledger.index.KeyIndex;
import dev.strata.ledger.log.CommittedState;
import dev.strata.ledger.log.SegmentLog;
import dev.strata.ledger.log.SyncMark;
import dev.strata.ledger.merkle.MerkleStore;
import dev.strata.ledger.recovery.Recovery;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

/**
 * The write path: turns a write transaction's overlay into a block, appends it, feeds the Merkle
 * store and the index, hands the new state to the commit pipeline, writes index checkpoints, and
 * puts the engine in its failed state after an I/O error. Every method that changes state runs
 * under the engine's writer gate (or during open and close), so the writer state needs no lock; the
 * counters read by {@code stats()} are volatile.
 */
public final class LedgerWriter {
  /** Fewer entries than this are cheaper to hash in line than to hand to the helper thread. */
  static final int OVERLAP_MIN_ENTRIES = 8;

  private final Path directory;
  private final FileIO fileIO;
  private final SegmentLog log;
  private final MerkleStore merkle;
  private final KeyIndex index;
  private final CommitPipeline pipeline;
  private final WriteAmplificationMeter meter;
  private final System.Logger logger;
  private final BackgroundWorker merkleHelper;

  /** Where the log is known synced; null for a read-only engine, which never writes. */
  private final SyncMark syncMark;

  private final EncodedBlock.Scratch scratch = new EncodedBlock.Scratch();

  private long size;
  private byte[] chainHead;
  private long markerPosition;
  private long endPosition;
  private long nextTxnId;
  private long lastTimestamp;
  private long checkpointSize;
  private long bytesSinceCheckpoint;
  private volatile long liveKeys;
  private volatile long tombstones;
  private volatile long keyBytes;
  private volatile Throwable failure;

  /** The write path over the recovered parts; starts from what recovery found. */
  public LedgerWriter(
      Path directory,
      SegmentLog log,
      MerkleStore merkle,
      KeyIndex index,
      CommitPipeline pipeline,
      WriteAmplificationMeter meter,
      Recovery r,
      SyncMark syncMark,
      boolean hashThread,
      System.Logger logger) {
    this.directory = directory;
    this.fileIO = r.fileIO;
    this.log = log;
    this.merkle = merkle;
    this.index = index;
    this.pipeline = pipeline;
    this.meter = meter;
    this.logger = logger;
    this.syncMark = syncMark;
    this.merkleHelper =
        new BackgroundWorker(
            "strata-ledger-merkle " + directory,
            hashThread && Runtime.getRuntime().availableProcessors() > 1);
    this.size = r.size;
    this.chainHead = r.chainHead;
    this.markerPosition = r.markerPosition;
    this.endPosition = r.endPosition;
    this.nextTxnId = r.nextTxnId;
    this.lastTimestamp = r.lastTimestamp;
    this.checkpointSize = r.checkpointSize;
    this.bytesSinceCheckpoint = r.replayedBytes;
    // Recovery replayed the tail into the index; its new keys join the order before any reader.
    index.publishOrder();
    long live = 0;
    long dead = 0;
    long bytes = 0;
    for (int id = 0; id < index.size(); id++) {
      if (KeyIndex.deletedOf(index.wordOf(id))) {
        dead++;
      } else {
        live++;
      }
      bytes += index.key(id).length;
    }
    this.liveKeys = live;
    this.tombstones = dead;
    this.keyBytes = bytes;
  }

  /**
   * Appends a write transaction's block; runs under the writer gate.
   *
   * @return the state to wait for: the new block's, or, when the transaction changed nothing, the
   *     newest appended one, since the transaction may have read commits whose sync still runs
   */
  public CommittedState append(WriteOverlay overlay) {
    long logicalBytes = overlay.logicalBytes();
    checkNotFailed();
    int[] slots = overlay.sortedSlots();
    int m = slots.length;
    byte[][] keys = new byte[m][];
    for (int i = 0; i < m; i++) {
      keys[i] = overlay.key(slots[i]);
    }
    // Every key's id first, then every known key's entry: each loop's cache misses overlap.
    int[] found = new int[m];
    index.findAll(keys, m, found);
    long[] words = new long[m];
    long[] positions = new long[m];
    for (int i = 0; i < m; i++) {
      if (found[i] >= 0) {
        words[i] = index.wordOf(found[i]);
        positions[i] = index.positionOf(found[i]);
      }
    }
    byte[][] values = new byte[m][];
    IndexEntry[] previous = new IndexEntry[m];
    int[] ids = new int[m];
    int n = 0;
    long blockBytes = RecordFormat.COMMIT_FRAME;
    for (int i = 0; i < m; i++) {
      byte[] key = keys[i];
      byte[] value = overlay.value(slots[i]);
      int id = found[i];
      boolean delete = value == WriteOverlay.TOMBSTONE;
      if (delete && (id < 0 || KeyIndex.deletedOf(words[i]))) {
        continue;
      }
      keys[n] = key;
      values[n] = delete ? null : value;
      previous[n] =
          id < 0
              ? null
              : new IndexEntry(
                  KeyIndex.seqOf(words[i]), positions[i], KeyIndex.deletedOf(words[i]));
      ids[n] = id;
      n++;
      blockBytes += RecordFormat.maxEntryFrame(key.length, delete ? 0 : value.length);
    }
    if (n == 0) {
      meter.addLogical(logicalBytes);
      return pipeline.lastAppended();
    }
    if (blockBytes > Integer.MAX_VALUE - 16) {
      throw new IllegalArgumentException(
          "transaction of "
              + blockBytes
              + " bytes exceeds the"
              + " ledger's block limit of 2 GiB; split it");
    }
    Instant now = Instant.now();
    long timestamp =
        Math.max(lastTimestamp, now.getEpochSecond() * 1_000_000 + now.getNano() / 1000);
    long txnId = nextTxnId;
    EncodedBlock block =
        EncodedBlock.encode(
            keys, values, previous, n, (int) blockBytes, size, timestamp, txnId, scratch);
    long start = -1;
    long undoTo = -1;
    boolean marked = false;
    try {
      if (log.rotateIfFull()) {
        syncMark.advance(endPosition);
        checkpointAfterRotation();
      }
      // A write that fails half way must not leave half a block for the next append to follow.
      undoTo = log.end();
      merkle.mark();
      marked = true;
      addLeaves(block, undoTo);
      try {
        block.seal(chainHead);
        start = log.append(block.bytes());
      } catch (IOException | RuntimeException | Error e) {
        Throwable hashing = merkleHelper.await();
        if (hashing != null) {
          e.addSuppressed(hashing);
        }
        throw e;
      }
      Throwable hashing = merkleHelper.await();
      if (hashing != null) {
        throw new IllegalStateException(
            "hashing the Merkle leaves of transaction " + txnId + " failed", hashing);
      }
      merkle.flushIfDue();
    } catch (IOException e) {
      if (marked) {
        merkle.rollback();
      }
      throw fail("cannot append transaction " + txnId + " to " + log.last().path(), e, undoTo);
    } catch (RuntimeException | Error e) {
      // Not an I/O error, so a bug or the JVM running out of memory: the block may be in the log
      // and the accumulator may hold its leaves, so both are undone and writing stops.
      if (marked) {
        merkle.rollback();
      }
      stop("appending transaction " + txnId + " failed", e, undoTo);
      throw e;
    }
    try {
      return publish(block, n, keys, values, previous, ids, start, timestamp, logicalBytes);
    } catch (RuntimeException | Error e) {
      // The block is whole in the log, so a reopen replays it as committed; what failed is the
      // index in memory (out of memory while growing it). Appending after it with the old size
      // and chain head would break the chain, so writing stops and the outcome is the reopen's.
      stop(
          "transaction "
              + txnId
              + " is in the log, but updating the index failed; a reopen shows it committed",
          e,
          -1);
      throw e;
    }
  }

  /** Enters a written block into the index and the writer's state and hands it to the pipeline. */
  private CommittedState publish(
      EncodedBlock block,
      int n,
      byte[][] keys,
      byte[][] values,
      IndexEntry[] previous,
      int[] ids,
      long start,
      long timestamp,
      long logicalBytes) {
    byte[] head = block.chainHead();
    long live = liveKeys;
    long dead = tombstones;
    long keyTotal = keyBytes;
    for (int i = 0; i < n; i++) {
      boolean delete = values[i] == null;
      IndexEntry before = previous[i];
      if (before == null) {
        index.add(keys[i], size + i, start + block.offset(i), delete);
        keyTotal += keys[i].length;
      } else {
        index.update(ids[i], size + i, start + block.offset(i), delete);
        if (before.deleted) {
          dead--;
        } else {
          live--;
        }
      }
      if (delete) {
        dead++;
      } else {
        live++;
      }
    }
    index.publishOrder();
    liveKeys = live;
    tombstones = dead;
    keyBytes = keyTotal;
    size += n;
    chainHead = head;
    markerPosition = start + block.markerOffset();
    endPosition = start + block.length();
    bytesSinceCheckpoint += block.length();
    nextTxnId++;
    lastTimestamp = timestamp;
    meter.addLogical(logicalBytes);
    CommittedState state = new CommittedState(size, head, markerPosition, endPosition);
    StorageFile segment = log.last().file();
    long synced = endPosition;
    pipeline.appended(
        state,
        () -> {
          segment.force(false);
          syncMark.advance(synced);
        });
    return state;
  }

  /**
   * Adds a block's Merkle leaves, which the block will have at log position {@code start}: on the
   * helper thread while this one chains and writes the block when the block is large enough to pay
   * for the hand-over, here otherwise.
   */
  private void addLeaves(EncodedBlock block, long start) {
    Runnable work =
        () -> {
          for (int i = 0; i < block.size(); i++) {
            merkle.add(block.leaf(i), start + block.end(i));
          }
        };
    if (block.size() >= OVERLAP_MIN_ENTRIES) {
      merkleHelper.post(work);
    } else {
      work.run();
    }
  }

  /** Stops the Merkle helper thread; called once, when the engine closes. */
  public void close() {
    merkleHelper.close();
  }

  /** Waits until an appended commit is durable and published. */
  public void awaitDurable(CommittedState state) {
    try {
      pipeline.awaitDurable(state);
    } catch (IOException e) {
      throw fail("cannot sync " + log.last().path(), e, -1);
    }
  }

  /** Puts the engine in its failed state and returns the exception for the caller to throw. */
  private StorageException fail(String message, IOException cause, long undoTo) {
    stop(message, cause, undoTo);
    if (IoErrorKind.of(cause) == IoErrorKind.STORAGE_FULL) {
      return new StorageFullException(message, cause);
    }
    return new StorageIOException(message, cause);
  }

  /** Refuses further writes, cutting the log back to {@code undoTo} when it is not -1. */
  private void stop(String message, Throwable cause, long undoTo) {
    failure = cause;
    if (undoTo >= 0) {
      try {
        log.truncate(undoTo);
      } catch (IOException | RuntimeException suppressed) {
        cause.addSuppressed(suppressed);
      }
    }
    logger.log(Level.ERROR, "ledger " + directory + " refuses further writes: " + message, cause);
  }

  /** Throws {@code EngineFailedException} once an I/O error has failed the engine. */
  public void checkNotFailed() {
    if (failure != null) {
      throw new EngineFailedException(
          "ledger " + directory + " refuses writes after an I/O" + " failure; close and reopen it",
          failure);
    }
  }

  /**
   * Persists the index when a rotation has forced everything appended so far, if enough was
   * appended since the last checkpoint to pay for writing the whole index again. A failure fails
   * the commit in progress like any other I/O error of its path: the engine must not go on writing
   * after an I/O call it cannot account for.
   */
  private void checkpointAfterRotation() throws IOException {
    if (bytesSinceCheckpoint >= 8 * checkpointBytesEstimate()) {
      writeCheckpointNow();
    }
  }

  private long checkpointBytesEstimate() {
    return (liveKeys + tombstones) * 21L + keyBytes;
  }

  /**
   * Syncs the log and writes an index checkpoint of the latest commit; a failure is logged, not
   * thrown, since the next open then replays the log instead.
   */
  public void writeCheckpoint() {
    try {
      syncLog();
      writeCheckpointNow();
    } catch (IOException e) {
      logger.log(
          Level.WARNING,
          "ledger "
              + directory
              + ": cannot write "
              + IndexCheckpoint.FILE
              + "; the next open replays the log",
          e);
    }
  }

  private void writeCheckpointNow() throws IOException {
    merkle.force();
    index.compact();
    new IndexCheckpoint(
            size, markerPosition, endPosition, chainHead, nextTxnId, lastTimestamp, index)
        .write(directory, fileIO, meter);
    checkpointSize = size;
    bytesSinceCheckpoint = 0;
  }

  /**
   * Syncs the log on close unless the engine failed, so a clean close loses nothing to a later
   * power loss under {@code NO_SYNC} either, and records the synced end; then closes the mark.
   */
  public void syncOnClose() {
    try (SyncMark mark = syncMark) {
      if (failure == null) {
        syncLog();
      }
    } catch (IOException e) {
      logger.log(Level.WARNING, "ledger " + directory + ": cannot sync the log on close", e);
    }
  }

  /** Syncs the last segment (earlier ones were synced at rotation) and records the synced end. */
  private void syncLog() throws IOException {
    log.last().file().force(false);
    meter.addSync();
    syncMark.advance(endPosition);
  }

  /** Persists the index on close unless the engine failed or the tail is cheaper to replay. */
  public void checkpointOnClose() {
    // Rewriting the whole index on every close would cost more than replaying a short tail.
    if (failure == null
        && size != checkpointSize
        && bytesSinceCheckpoint * 8 >= checkpointBytesEstimate()) {
      writeCheckpoint();
    }
  }

  /** Keys whose latest entry is not a delete, as of the last indexed commit. */
  public long liveKeys() {
    return liveKeys;
  }

  /** Adds the writer's counters to a {@code stats()} map. */
  public void putStats(Map<String, Number> stats) {
    long live = liveKeys;
    long dead = tombstones;
    stats.put("liveKeys", live);
    stats.put("tombstones", dead);
    stats.put("indexMemoryBytes", index.memoryBytes());
    stats.put("transactions", nextTxnId - 1);
  }
}
