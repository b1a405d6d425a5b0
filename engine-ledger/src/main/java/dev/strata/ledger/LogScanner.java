package dev.strata.ledger;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * Reads framed records sequentially from a position up to a limit, across segment boundaries,
 * through one large buffer (a record larger than the buffer gets its own). Used by recovery, by
 * {@code verifyIntegrity()} and to locate entries by sequence number. Not thread-safe.
 */
final class LogScanner {
  /** A record that cannot be read: torn, truncated, malformed or failing its checksum. */
  static final class Problem extends Exception {
    private static final long serialVersionUID = 1L;
    final long position;
    final transient Path file;

    Problem(long position, Path file, String reason) {
      super(
          file + ": " + reason + " at offset " + SegmentLog.offsetOf(position), null, false, false);
      this.position = position;
      this.file = file;
    }
  }

  private final SegmentLog log;
  private final long limit;
  private final Rec rec = new Rec();
  private ByteBuffer buf;
  private long bufStart;
  private int segment;
  private long offset;
  private long segmentSize;

  LogScanner(SegmentLog log, long from, long limit, int bufferBytes) throws IOException {
    this.log = log;
    this.limit = limit;
    this.buf = Codec.allocate(bufferBytes);
    this.buf.limit(0);
    this.segment = SegmentLog.segmentOf(from);
    this.offset = SegmentLog.offsetOf(from);
    this.segmentSize = sizeOf(segment);
  }

  private long sizeOf(int index) throws IOException {
    long size = log.segment(index).channel().size();
    if (index == SegmentLog.segmentOf(limit)) {
      size = Math.min(size, SegmentLog.offsetOf(limit));
    }
    return size;
  }

  /** Global position of the next record (or of the end). */
  long position() {
    return SegmentLog.position(segment, offset);
  }

  Path file() {
    return log.segment(segment).path();
  }

  /**
   * Advances to the next record.
   *
   * @return the record, valid until the next call, or null at the end
   * @throws Problem if the bytes at the current position are not a whole, intact record
   */
  Rec next() throws IOException, Problem {
    while (offset >= segmentSize) {
      if (segment + 1 >= log.segments().size() || segment + 1 > SegmentLog.segmentOf(limit)) {
        return null;
      }
      segment++;
      offset = SegmentLog.HEADER;
      segmentSize = sizeOf(segment);
      bufStart = 0;
      buf.limit(0);
    }
    long pos = position();
    if (segmentSize - offset < Codec.FRAME) {
      throw new Problem(pos, file(), "truncated record header");
    }
    ensure(4);
    int index = (int) (offset - bufStart);
    int length = buf.getInt(index);
    if (length < 1 || length > Codec.MAX_BODY) {
      throw new Problem(pos, file(), "bad record length " + length);
    }
    if (segmentSize - offset < (long) length + Codec.FRAME) {
      throw new Problem(pos, file(), "truncated record of " + length + " bytes");
    }
    ensure(length + Codec.FRAME);
    index = (int) (offset - bufStart);
    if (buf.getInt(index + 4 + length) != Codec.crc(buf, index, index + 4 + length)) {
      throw new Problem(pos, file(), "record checksum mismatch");
    }
    rec.set(buf, index + 4, length, pos);
    String bad = rec.malformation();
    if (bad != null) {
      throw new Problem(pos, file(), bad);
    }
    offset += length + Codec.FRAME;
    return rec;
  }

  /** Makes {@code bytes} bytes from {@code offset} available in the buffer. */
  private void ensure(int bytes) throws IOException {
    if (offset >= bufStart && offset + bytes <= bufStart + buf.limit()) {
      return;
    }
    if (bytes > buf.capacity()) {
      buf = Codec.allocate(bytes);
    }
    buf.clear();
    long want = Math.min(buf.capacity(), segmentSize - offset);
    buf.limit((int) Math.max(want, bytes));
    SegmentLog.Segment s = log.segment(segment);
    SegmentLog.readFully(s.channel(), buf, offset, s.path());
    buf.flip();
    bufStart = offset;
  }
}
