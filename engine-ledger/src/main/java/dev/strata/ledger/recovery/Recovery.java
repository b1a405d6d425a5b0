package dev.strata.ledger.recovery;

import dev.strata.api.CorruptionException;
import dev.strata.api.TamperException;
import dev.strata.api.WriteAmplificationMeter;
import dev.strata.api.spi.FileIO;
import dev.strata.api.spi.StorageFile;
import dev.strata.ledger.format.FileReads;
import dev.strata.ledger.format.LedgerHashes;
import dev.strata.ledger.format.RecordFormat;
import dev.strata.ledger.index.IndexCheckpoint;
import dev.strata.ledger.index.KeyIndex;
import dev.strata.ledger.log.LogScanner;
import dev.strata.ledger.log.SegmentLog;
import dev.strata.ledger.log.StoredRecord;
import dev.strata.ledger.log.SyncMark;
import dev.strata.ledger.merkle.MerkleStore;
import dev.strata.ledger.read.LedgerReader;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Opens a ledger directory: loads the index checkpoint, checks that the log still holds the commit
 * marker it is bound to, replays the log after it (checking sequence numbers, the hash chain
 * against every commit marker and each entry's {@code prevSeq} link), re-derives Merkle chunks the
 * derived files lack, and cuts a torn tail: entries after the last commit marker of the last
 * segment, or a record there that is incomplete or fails its checksum, past the position the log
 * was last known synced at ({@link SyncMark}). That cut is crash recovery (logged at WARNING);
 * damage anywhere else is reported, never cut.
 */
public final class Recovery {
  private static final int SCAN_BUFFER = 1 << 20;

  /** The file seam the files were opened through. */
  public FileIO fileIO;

  /** The opened log, cut back to its last intact commit. */
  public SegmentLog log;

  /** The opened Merkle store, rebuilt up to the log. */
  public MerkleStore merkle;

  /** The index: the checkpoint's, with the replayed tail applied. */
  public KeyIndex index;

  /** Entries in the recovered ledger. */
  public long size;

  /** Chain head after {@link #size} entries. */
  public byte[] chainHead;

  /** Log position of the last commit marker, -1 if none. */
  public long markerPosition = -1;

  /** Log position right after the last commit marker. */
  public long endPosition;

  /** The next transaction id. */
  public long nextTxnId = 1;

  /** The last commit timestamp (microseconds). */
  public long lastTimestamp;

  /** Entries replayed after the checkpoint. */
  public long replayed;

  /** Log bytes replayed after the checkpoint. */
  public long replayedBytes;

  /** Ledger size the loaded checkpoint reflected (0 without one). */
  public long checkpointSize;

  /** The log position known synced before the crash: the mark or the checkpoint's end. */
  public long syncedMark;

  private record Pending(
      byte[] key,
      long seq,
      long position,
      long end,
      boolean deleted,
      long prevSeq,
      byte[] leaf,
      long txnId,
      long timestamp) {}

  /**
   * Runs recovery on a ledger directory; see the class comment. The caller owns the opened files.
   */
  public static Recovery run(
      Path directory,
      long segmentBytes,
      WriteAmplificationMeter meter,
      boolean writable,
      FileIO fileIO,
      System.Logger logger)
      throws IOException {
    Recovery r = new Recovery();
    r.fileIO = fileIO;
    r.log = SegmentLog.open(directory, segmentBytes, meter, writable, fileIO);
    try {
      r.replay(directory, meter, writable, logger);
    } catch (IOException | RuntimeException e) {
      if (r.merkle != null) {
        r.merkle.close();
      }
      r.log.close();
      throw e;
    }
    return r;
  }

  private void replay(
      Path directory, WriteAmplificationMeter meter, boolean writable, System.Logger logger)
      throws IOException {
    IndexCheckpoint cp = IndexCheckpoint.read(directory, logger);
    if (cp != null && !bindsToLog(cp)) {
      cp = null;
    }
    index = cp == null ? new KeyIndex() : cp.index;
    chainHead = cp == null ? LedgerHashes.ZERO : cp.chainHead;
    size = cp == null ? 0 : cp.size;
    checkpointSize = size;
    long replayFrom = cp == null ? SegmentLog.start() : cp.endPosition;
    if (cp != null) {
      markerPosition = cp.markerPosition;
      nextTxnId = cp.nextTxnId;
      lastTimestamp = cp.lastTimestamp;
    }
    endPosition = replayFrom;
    SegmentLog segments = log;
    merkle =
        MerkleStore.open(
            directory,
            writable,
            fileIO,
            meter,
            (chunk, start, end) -> LedgerReader.chunkLeaves(segments, chunk, start, end),
            size / MerkleStore.CHUNK);
    long chunks = merkle.completeChunks();
    long scanFrom = merkle.chunkStart(chunks);
    if (scanFrom > replayFrom) {
      throw new CorruptionException(
          directory.resolve(MerkleStore.CHUNKS_FILE)
              + ": chunk "
              + (chunks - 1)
              + " ends past the checkpointed commit");
    }
    long expected = chunks * MerkleStore.CHUNK;
    List<Pending> block = new ArrayList<>();
    byte[] blockHead = chainHead;
    LogScanner scanner = new LogScanner(log, scanFrom, expected, Long.MAX_VALUE, SCAN_BUFFER);
    LogScanner.Problem torn = null;
    while (true) {
      StoredRecord rec;
      try {
        rec = scanner.next();
      } catch (LogScanner.Problem p) {
        torn = p;
        break;
      }
      if (rec == null) {
        break;
      }
      long end = scanner.position();
      if (rec.position >= replayFrom) {
        replayedBytes += rec.frameLength();
      }
      if (rec.isCommit()) {
        if (rec.position >= replayFrom) {
          checkMarker(rec, block, blockHead, expected, scanner);
          for (Pending p : block) {
            apply(p, scanner);
          }
          nextTxnId = Math.max(nextTxnId, block.get(0).txnId() + 1);
          lastTimestamp = Math.max(lastTimestamp, block.get(0).timestamp());
          block.clear();
          chainHead = blockHead;
          size = expected;
          markerPosition = rec.position;
          endPosition = end;
        }
        continue;
      }
      expected++;
      if (rec.position < replayFrom) {
        merkle.append(LedgerHashes.leaf(rec.canonicalArray(), 0, rec.canonicalLength()), end);
        continue;
      }
      byte[] canonical = rec.canonicalArray();
      blockHead = LedgerHashes.chain(blockHead, canonical, 0, rec.canonicalLength());
      block.add(
          new Pending(
              rec.key(),
              rec.seq(),
              rec.position,
              end,
              rec.kind() == RecordFormat.DELETE,
              rec.prevSeq(),
              LedgerHashes.leaf(canonical, 0, rec.canonicalLength()),
              rec.txnId(),
              rec.timestamp()));
    }
    // Everything before this position was synced before the crash, so a crash cannot have changed
    // it; what a crash may leave after it is cut below.
    long synced = Math.max(SyncMark.read(directory, logger), replayFrom);
    syncedMark = synced;
    if (torn != null) {
      int lastSegment = log.last().index();
      if (torn.position < replayFrom || SegmentLog.segmentOf(torn.position) != lastSegment) {
        throw new TamperException(expected, torn.getMessage() + " (inside committed history)");
      }
      if (torn.position < synced) {
        throw new TamperException(
            expected - block.size(),
            torn.getMessage()
                + ", before offset "
                + SegmentLog.offsetOf(synced)
                + " of the segment, which was synced (recorded in "
                + SyncMark.FILE
                + "): this is damage inside committed history, not a torn tail, so nothing was"
                + " cut");
      }
    } else if (scanner.position() < synced) {
      throw new TamperException(
          expected,
          log.last().path()
              + ": the log ends at offset "
              + SegmentLog.offsetOf(scanner.position())
              + ", before offset "
              + SegmentLog.offsetOf(synced)
              + ", which was synced (recorded in "
              + SyncMark.FILE
              + "): history was truncated");
    }
    if (torn != null || !block.isEmpty()) {
      logger.log(
          Level.WARNING,
          "ledger "
              + directory
              + ": cutting an unfinished transaction ("
              + (block.size())
              + " entries without a commit marker"
              + (torn == null ? "" : "; " + torn.getMessage())
              + ") at the tail, after entry "
              + (size - 1)
              + "; this is crash recovery, not tampering");
      if (writable) {
        if (torn != null) {
          keepCutBytesHoldingCommits(directory, torn.position, logger);
        }
        log.truncate(endPosition);
      } else {
        log.limit(endPosition);
      }
    }
    merkle.flush();
    replayed = size - checkpointSize;
  }

  /**
   * Saves the bytes about to be cut to a file beside the segment when intact commit markers follow
   * the bad record. A crash explains that (a power loss after the kernel wrote a later unsynced
   * block back but not an earlier one), but so does damage to synced history after the sync mark
   * was lost; cutting must not destroy the only copy of the second.
   */
  private void keepCutBytesHoldingCommits(Path directory, long bad, System.Logger logger)
      throws IOException {
    if (commitMarkerAfter(bad + 1) < 0) {
      return;
    }
    SegmentLog.Segment segment = log.last();
    long from = SegmentLog.offsetOf(endPosition);
    long to = segment.channel().size();
    Path saved = segment.path().resolveSibling(segment.path().getFileName() + ".cut-" + from);
    java.nio.ByteBuffer window = RecordFormat.allocate(1 << 20);
    try (StorageFile out =
        fileIO.open(
            saved,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE)) {
      for (long at = from; at < to; at += window.capacity()) {
        window.clear().limit((int) Math.min(window.capacity(), to - at));
        FileReads.readFully(segment.channel(), window, at, segment.path());
        window.flip();
        out.writeFully(window, at - from);
      }
      out.force(false);
    }
    fileIO.syncDirectory(directory);
    logger.log(
        Level.ERROR,
        "ledger "
            + directory
            + ": intact commit markers follow the bad record at offset "
            + SegmentLog.offsetOf(bad)
            + ", past the last synced position; a power loss explains that, and so does damage to"
            + " synced history after the sync mark was lost. The "
            + (to - from)
            + " bytes cut are kept in "
            + saved);
  }

  /**
   * Searches the last segment from {@code from} on, byte by byte, for an intact commit marker.
   *
   * @return the marker's position, or -1
   */
  private long commitMarkerAfter(long from) throws IOException {
    SegmentLog.Segment segment = log.last();
    long size = segment.channel().size();
    int frame = RecordFormat.COMMIT_FRAME;
    java.nio.ByteBuffer window = RecordFormat.allocate(1 << 20);
    for (long start = SegmentLog.offsetOf(from);
        start + frame <= size;
        start += window.capacity() - frame) {
      window.clear();
      window.limit((int) Math.min(window.capacity(), size - start));
      FileReads.readFully(segment.channel(), window, start, segment.path());
      for (int i = 0; i + frame <= window.limit(); i++) {
        if (window.get(i) == RecordFormat.COMMIT_BODY
            && window.get(i + 1) == RecordFormat.COMMIT
            && window.getInt(i + frame - 4) == RecordFormat.crc(window, i, i + frame - 4)) {
          return SegmentLog.position(segment.index(), start + i);
        }
      }
    }
    return -1;
  }

  /** Checks that the checkpoint's commit marker is still in the log, unchanged. */
  private boolean bindsToLog(IndexCheckpoint cp) {
    if (cp.size == 0) {
      return cp.endPosition == SegmentLog.start();
    }
    long last = cp.size - 1;
    if (cp.endPosition > log.end()
        || SegmentLog.segmentOf(cp.markerPosition) >= log.segments().size()) {
      throw new TamperException(
          last,
          log.last().path()
              + ": the log ends before the commit of"
              + " entry "
              + last
              + " recorded in "
              + IndexCheckpoint.FILE
              + " (history was truncated)");
    }
    StoredRecord marker;
    try {
      marker = log.read(cp.markerPosition, cp.size);
    } catch (CorruptionException e) {
      throw new TamperException(
          last,
          e.getMessage()
              + " (the commit of entry "
              + last
              + " recorded in "
              + IndexCheckpoint.FILE
              + ")");
    }
    if (!marker.isCommit()
        || !marker.commitHeadEquals(cp.chainHead)
        || cp.markerPosition + marker.frameLength() != cp.endPosition) {
      throw new TamperException(
          last,
          log.segment(SegmentLog.segmentOf(cp.markerPosition)).path()
              + ": the commit marker at offset "
              + SegmentLog.offsetOf(cp.markerPosition)
              + " does not match "
              + IndexCheckpoint.FILE
              + " (history was rewritten)");
    }
    return true;
  }

  private void checkMarker(
      StoredRecord marker,
      List<Pending> block,
      byte[] blockHead,
      long expected,
      LogScanner scanner) {
    long first = expected - block.size();
    String where =
        scanner.file() + ": commit marker at offset " + SegmentLog.offsetOf(marker.position);
    // The scanner has checked that the marker closes a non-empty block whose entries share the
    // first entry's timestamp and txn id; sizes and counts are implied by position.
    if (!marker.commitHeadEquals(blockHead)) {
      throw new TamperException(
          first, where + ": chain head does not match entries " + first + ".." + (expected - 1));
    }
  }

  private void apply(Pending p, LogScanner scanner) throws IOException {
    // One probe of the index instead of a get and a put: on a mismatch the open fails and the
    // index is discarded, so it does not matter that the entry was already put.
    long previous = index.put(p.key(), p.seq(), p.position(), p.deleted());
    long expectedPrev = previous < 0 ? -1 : KeyIndex.seqOf(previous);
    if (p.prevSeq() != expectedPrev) {
      throw new TamperException(
          p.seq(),
          scanner.file()
              + ": entry "
              + p.seq()
              + " at offset "
              + SegmentLog.offsetOf(p.position())
              + " links to version "
              + p.prevSeq()
              + " of its key, the latest is "
              + expectedPrev);
    }
    merkle.append(p.leaf(), p.end());
  }
}
