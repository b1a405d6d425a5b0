package dev.strata.ledger.log;

import dev.strata.api.CorruptionException;
import dev.strata.ledger.format.FileReads;
import dev.strata.ledger.format.RecordFormat;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * Reads framed records sequentially from a position up to a limit, across segment boundaries,
 * through one large buffer (a record larger than the buffer gets its own). Used by recovery, by
 * {@code verifyIntegrity()} and to locate entries by sequence number. Not thread-safe.
 */
public final class LogScanner {
  /** A record that cannot be read: torn, truncated, malformed or failing its checksum. */
  public static final class Problem extends Exception {
    private static final long serialVersionUID = 1L;

    /** Log position of the bad record. */
    public final long position;

    final transient Path file;

    Problem(long position, Path file, String reason) {
      super(
          file + ": " + reason + " at offset " + SegmentLog.offsetOf(position), null, false, false);
      this.position = position;
      this.file = file;
    }
  }

  private enum Block {
    /** Scanning started at a chunk boundary that may lie inside a block. */
    UNKNOWN,
    OPEN,
    CLOSED
  }

  private final SegmentLog log;
  private final long limit;
  private final StoredRecord rec = new StoredRecord();
  private final CRC32C crc = new CRC32C();
  private ByteBuffer buf;
  private long bufStart;
  private int segment;
  private long offset;
  private long segmentSize;
  private long nextSeq;
  private Block block;
  private boolean mapped;
  private long blockFirst;
  private long blockTimestamp;
  private long blockTxn;

  /** Scans from the ledger's first record ({@code from} is {@link SegmentLog#start()}). */
  public LogScanner(SegmentLog log, long from, long limit, int bufferBytes) throws IOException {
    this(log, from, 0, limit, bufferBytes);
  }

  /**
   * Scans from {@code from}: the ledger's start, a commit end or a Merkle chunk boundary.
   *
   * @param firstSeq the sequence number of the first entry at or after {@code from}
   */
  public LogScanner(SegmentLog log, long from, long firstSeq, long limit, int bufferBytes)
      throws IOException {
    this.log = log;
    this.limit = limit;
    this.buf = RecordFormat.allocate(bufferBytes);
    this.buf.limit(0);
    this.segment = SegmentLog.segmentOf(from);
    this.offset = SegmentLog.offsetOf(from);
    this.segmentSize = sizeOf(segment);
    this.nextSeq = firstSeq;
    this.block = from == SegmentLog.start() ? Block.CLOSED : Block.UNKNOWN;
  }

  /**
   * Reads the log through the segments' read-only mappings where they hold it, a memory copy per
   * buffer fill instead of a {@code pread} and the JDK's copy out of its own direct buffer; the
   * rest still uses {@code pread}. For a scan over published entries only (the mappings cover
   * nothing else): a file that another program cuts under the scan is reported as a {@link
   * Problem}.
   *
   * @return this scanner
   */
  public LogScanner readThroughMappings() {
    mapped = true;
    return this;
  }

  private long sizeOf(int index) throws IOException {
    long size = log.segment(index).channel().size();
    if (index == SegmentLog.segmentOf(limit)) {
      size = Math.min(size, SegmentLog.offsetOf(limit));
    }
    return size;
  }

  /** Global position of the next record (or of the end). */
  public long position() {
    return SegmentLog.position(segment, offset);
  }

  /** The segment file that holds the bad record. */
  public Path file() {
    return log.segment(segment).path();
  }

  /**
   * Advances to the next record.
   *
   * @return the record, valid until the next call, or null at the end
   * @throws Problem if the bytes at the current position are not a whole, intact record, or a
   *     record that cannot stand where it is (an entry outside a block, a block inside another, a
   *     segment ending inside a block)
   */
  public StoredRecord next() throws IOException, Problem {
    while (offset >= segmentSize) {
      if (segment + 1 >= log.segments().size() || segment + 1 > SegmentLog.segmentOf(limit)) {
        return null;
      }
      if (block == Block.OPEN) {
        throw new Problem(position(), file(), "segment ends inside a block");
      }
      segment++;
      offset = SegmentLog.HEADER;
      segmentSize = sizeOf(segment);
      bufStart = 0;
      buf.limit(0);
    }
    long pos = position();
    long left = segmentSize - offset;
    ensure((int) Math.min(RecordFormat.MAX_LENGTH_BYTES, left));
    int index = (int) (offset - bufStart);
    long header =
        RecordFormat.frameLength(buf, index, (int) Math.min(RecordFormat.MAX_LENGTH_BYTES, left));
    if (header == -1) {
      throw new Problem(pos, file(), "truncated record header");
    }
    if (header == -2) {
      throw new Problem(pos, file(), "malformed record length");
    }
    long length = header >> 8;
    int lengthBytes = (int) (header & 0xFF);
    if (length < 1 || length > RecordFormat.MAX_BODY) {
      throw new Problem(pos, file(), "bad record length " + length);
    }
    int frame = lengthBytes + (int) length + RecordFormat.CRC;
    if (left < frame) {
      throw new Problem(pos, file(), "truncated record of " + length + " bytes");
    }
    ensure(frame);
    index = (int) (offset - bufStart);
    crc.reset();
    crc.update(buf.array(), buf.arrayOffset() + index, frame - RecordFormat.CRC);
    if (buf.getInt(index + frame - RecordFormat.CRC) != (int) crc.getValue()) {
      throw new Problem(pos, file(), "record checksum mismatch");
    }
    String bad = rec.parse(buf, index, lengthBytes, (int) length, pos);
    if (bad != null) {
      throw new Problem(pos, file(), bad);
    }
    place(pos);
    offset += frame;
    return rec;
  }

  /** Gives the record its sequence number and block context, checking that it may stand here. */
  private void place(long pos) throws Problem {
    if (rec.isCommit()) {
      if (block == Block.CLOSED) {
        throw new Problem(pos, file(), "commit marker closing no entries");
      }
      rec.seq = nextSeq;
      block = Block.CLOSED;
      return;
    }
    if (rec.isFirst()) {
      if (block == Block.OPEN) {
        throw new Problem(pos, file(), "block starting inside another block");
      }
      block = Block.OPEN;
      blockFirst = pos;
      blockTimestamp = rec.timestamp;
      blockTxn = rec.txnId;
    } else if (block == Block.OPEN) {
      if (pos - rec.back != blockFirst) {
        throw new Problem(pos, file(), "entry pointing elsewhere than the start of its block");
      }
      rec.timestamp = blockTimestamp;
      rec.txnId = blockTxn;
    } else if (block == Block.CLOSED) {
      throw new Problem(pos, file(), "entry outside a block");
    } else {
      try {
        log.resolveBlock(rec);
      } catch (CorruptionException e) {
        throw new Problem(pos, file(), e.getMessage());
      }
      block = Block.OPEN;
      blockFirst = pos - rec.back;
      blockTimestamp = rec.timestamp;
      blockTxn = rec.txnId;
    }
    rec.seq = nextSeq++;
  }

  /** Makes {@code bytes} bytes from {@code offset} available in the buffer. */
  private void ensure(int bytes) throws IOException, Problem {
    if (offset >= bufStart && offset + bytes <= bufStart + buf.limit()) {
      return;
    }
    if (bytes > buf.capacity()) {
      buf = RecordFormat.allocate(bytes);
    }
    buf.clear();
    long want = Math.min(buf.capacity(), segmentSize - offset);
    int length = (int) Math.max(want, bytes);
    buf.limit(length);
    SegmentLog.Segment s = log.segment(segment);
    if (mapped && copyMapped(s, length)) {
      buf.position(length);
    } else {
      FileReads.readFully(s.channel(), buf, offset, s.path());
    }
    buf.flip();
    bufStart = offset;
  }

  private boolean copyMapped(SegmentLog.Segment s, int length) throws Problem {
    try {
      return log.copyMapped(s, offset, buf.array(), buf.arrayOffset(), length);
    } catch (InternalError e) {
      // How the JVM reports a page that vanished under a mapping (SIGBUS): see SegmentMaps.
      throw new Problem(position(), s.path(), "the file shrank under its read-only mapping");
    }
  }
}
