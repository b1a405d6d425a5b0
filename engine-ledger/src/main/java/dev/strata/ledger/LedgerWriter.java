package dev.strata.ledger;

import dev.strata.api.EngineFailedException;
import dev.strata.api.StorageException;
import dev.strata.api.StorageFullException;
import dev.strata.api.StorageIOException;
import dev.strata.api.WriteAmplificationMeter;
import dev.strata.api.spi.FileIO;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The write path: turns a write transaction's overlay into a block, appends it, feeds the Merkle
 * store and the index, hands the new state to the commit pipeline, writes index checkpoints, and
 * puts the engine in its failed state after an I/O error. Every method that changes state runs
 * under the engine's writer gate (or during open and close), so the writer state needs no lock; the
 * counters read by {@code stats()} are volatile.
 */
final class LedgerWriter {
  private final Path directory;
  private final FileIO fileIO;
  private final SegmentLog log;
  private final MerkleStore merkle;
  private final ConcurrentSkipListMap<byte[], IndexEntry> index;
  private final CommitPipeline pipeline;
  private final WriteAmplificationMeter meter;
  private final System.Logger logger;

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

  LedgerWriter(
      Path directory,
      SegmentLog log,
      MerkleStore merkle,
      ConcurrentSkipListMap<byte[], IndexEntry> index,
      CommitPipeline pipeline,
      WriteAmplificationMeter meter,
      Recovery r,
      System.Logger logger) {
    this.directory = directory;
    this.fileIO = r.fileIO;
    this.log = log;
    this.merkle = merkle;
    this.index = index;
    this.pipeline = pipeline;
    this.meter = meter;
    this.logger = logger;
    this.size = r.size;
    this.chainHead = r.chainHead;
    this.markerPosition = r.markerPosition;
    this.endPosition = r.endPosition;
    this.nextTxnId = r.nextTxnId;
    this.lastTimestamp = r.lastTimestamp;
    this.checkpointSize = r.checkpointSize;
    this.bytesSinceCheckpoint = r.replayedBytes;
    long[] counts = Recovery.counts(index);
    this.liveKeys = counts[0];
    this.tombstones = counts[1];
    this.keyBytes = counts[2];
  }

  /**
   * Appends a write transaction's block; runs under the writer gate.
   *
   * @return the state to wait for, or null when the transaction changed nothing
   */
  Visible append(NavigableMap<byte[], byte[]> overlay, long logicalBytes) {
    checkNotFailed();
    List<byte[]> keys = new ArrayList<>();
    List<byte[]> values = new ArrayList<>();
    List<IndexEntry> previous = new ArrayList<>();
    long blockBytes = Codec.COMMIT_FRAME;
    for (Map.Entry<byte[], byte[]> e : overlay.entrySet()) {
      IndexEntry current = index.get(e.getKey());
      boolean delete = e.getValue() == LedgerWriteTxn.TOMBSTONE;
      if (delete && (current == null || current.deleted)) {
        continue;
      }
      keys.add(e.getKey());
      values.add(delete ? null : e.getValue());
      previous.add(current);
      blockBytes += Codec.maxEntryFrame(e.getKey().length, delete ? 0 : e.getValue().length);
    }
    if (keys.isEmpty()) {
      meter.addLogical(logicalBytes);
      return null;
    }
    if (blockBytes > Integer.MAX_VALUE - 16) {
      throw new IllegalArgumentException(
          "transaction of "
              + blockBytes
              + " bytes exceeds the"
              + " ledger's block limit of 2 GiB; split it");
    }
    int n = keys.size();
    Instant now = Instant.now();
    long timestamp =
        Math.max(lastTimestamp, now.getEpochSecond() * 1_000_000 + now.getNano() / 1000);
    long txnId = nextTxnId;
    Block block =
        Block.encode(keys, values, previous, (int) blockBytes, size, timestamp, txnId, chainHead);
    byte[][] leaves = block.leaves;
    int[] offsets = block.offsets;
    int[] ends = block.ends;
    byte[] head = block.chainHead;
    long start = -1;
    long undoTo = -1;
    try {
      if (log.rotateIfFull()) {
        checkpointAfterRotation();
      }
      // A write that fails half way must not leave half a block for the next append to follow.
      undoTo = log.end();
      merkle.mark();
      start = log.append(block.bytes);
      for (int i = 0; i < n; i++) {
        merkle.append(leaves[i], start + ends[i]);
      }
      merkle.flush();
    } catch (IOException e) {
      if (undoTo >= 0) {
        merkle.rollback();
      }
      throw fail("cannot append transaction " + txnId + " to " + log.last().path(), e, undoTo);
    }
    long live = liveKeys;
    long dead = tombstones;
    long keyTotal = keyBytes;
    for (int i = 0; i < n; i++) {
      boolean delete = values.get(i) == null;
      IndexEntry before = previous.get(i);
      index.put(keys.get(i), new IndexEntry(size + i, start + offsets[i], delete));
      if (before == null) {
        keyTotal += keys.get(i).length;
      } else if (before.deleted) {
        dead--;
      } else {
        live--;
      }
      if (delete) {
        dead++;
      } else {
        live++;
      }
    }
    liveKeys = live;
    tombstones = dead;
    keyBytes = keyTotal;
    size += n;
    chainHead = head;
    markerPosition = start + block.markerOffset;
    endPosition = start + block.length;
    bytesSinceCheckpoint += block.length;
    nextTxnId++;
    lastTimestamp = timestamp;
    meter.addLogical(logicalBytes);
    Visible state = new Visible(size, head, markerPosition, endPosition);
    pipeline.appended(state, CommitPipeline.Sync.of(log.last().file()));
    return state;
  }

  /** Waits until an appended commit is durable and published. */
  void awaitDurable(Visible state) {
    try {
      pipeline.awaitDurable(state);
    } catch (IOException e) {
      throw fail("cannot sync " + log.last().path(), e, -1);
    }
  }

  /** Puts the engine in its failed state and returns the exception for the caller to throw. */
  private StorageException fail(String message, IOException cause, long undoTo) {
    failure = cause;
    if (undoTo >= 0) {
      try {
        log.truncate(undoTo);
      } catch (IOException | RuntimeException suppressed) {
        cause.addSuppressed(suppressed);
      }
    }
    logger.log(Level.ERROR, "ledger " + directory + " refuses further writes: " + message, cause);
    String text = String.valueOf(cause.getMessage());
    if (text.contains("No space left") || text.contains("Disk quota")) {
      return new StorageFullException(message, cause);
    }
    return new StorageIOException(message, cause);
  }

  void checkNotFailed() {
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

  void writeCheckpoint() {
    try {
      log.last().file().force(false);
      meter.addSync();
      writeCheckpointNow();
    } catch (IOException e) {
      logger.log(
          Level.WARNING,
          "ledger "
              + directory
              + ": cannot write "
              + Checkpoint.FILE
              + "; the next open replays the log",
          e);
    }
  }

  private void writeCheckpointNow() throws IOException {
    merkle.force();
    new Checkpoint(size, markerPosition, endPosition, chainHead, nextTxnId, lastTimestamp, index)
        .write(directory, fileIO, meter);
    checkpointSize = size;
    bytesSinceCheckpoint = 0;
  }

  /** Persists the index on close unless the engine failed or the tail is cheaper to replay. */
  void checkpointOnClose() {
    // Rewriting the whole index on every close would cost more than replaying a short tail.
    if (failure == null
        && size != checkpointSize
        && bytesSinceCheckpoint * 8 >= checkpointBytesEstimate()) {
      writeCheckpoint();
    }
  }

  void putStats(Map<String, Number> stats) {
    long live = liveKeys;
    long dead = tombstones;
    stats.put("liveKeys", live);
    stats.put("tombstones", dead);
    stats.put("indexMemoryBytes", (live + dead) * (long) IndexEntry.HEAP_BYTES_PER_KEY + keyBytes);
    stats.put("transactions", nextTxnId - 1);
  }
}
