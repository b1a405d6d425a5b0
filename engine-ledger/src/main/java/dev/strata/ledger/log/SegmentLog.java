package dev.strata.ledger.log;

import dev.strata.api.CorruptionException;
import dev.strata.api.EngineOptions;
import dev.strata.api.UnsupportedFormatException;
import dev.strata.api.WriteAmplificationMeter;
import dev.strata.api.spi.FileIO;
import dev.strata.api.spi.StorageFile;
import dev.strata.ledger.format.FileReads;
import dev.strata.ledger.format.RecordFormat;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The segment files: {@code ledger-NNNNNNNNNN.seg}, each a 32-byte header followed by framed
 * records. Positions are global: {@code segmentIndex << 40 | offsetInSegment}, so they grow
 * monotonically across segments.
 *
 * <p>Appends come from the single writer; reads (positional) from any thread. Only the last segment
 * is ever written; older ones are immutable once the writer has rotated past them, which is why a
 * rotation forces the old segment first: a torn tail can only be in the last segment.
 */
public final class SegmentLog implements AutoCloseable {
  /** Bytes of a segment's header. */
  public static final int HEADER = 32;

  static final long MAGIC = 0x3147_4544_4C52_5453L; // "STRLEDG1" read little-endian

  /** The segment format version this code writes and the store marker records. */
  public static final int FORMAT_VERSION = 2;

  private static final int OFFSET_BITS = 40;
  // A point read fetches this much at once: most entries fit, a second read fetches the rest.
  private static final int SMALL_READ = 512;
  private static final Pattern NAME = Pattern.compile("ledger-(\\d{10})\\.seg");

  /** One segment file; its channel stays open until the log closes so readers never race it. */
  public record Segment(int index, Path path, StorageFile file) {
    /** The channel, for reads only: writes and syncs go through {@link #file()}. */
    public FileChannel channel() {
      return file.channel();
    }
  }

  private final Path directory;
  private final long segmentBytes;
  private final WriteAmplificationMeter meter;
  private final boolean writable;
  private final FileIO fileIO;
  private final List<Segment> segments = new CopyOnWriteArrayList<>();
  // Mapped reads only over the real file system: another FileIO sees every read through pread.
  private final SegmentMaps maps;

  /**
   * Writes an appended block. Faults are injected through {@link EngineOptions#fileIO()}; this
   * narrower hook stays for unit tests that cut one block.
   */
  public interface BlockWriter {
    void write(StorageFile file, ByteBuffer block, long offset) throws IOException;
  }

  /** Replaced only by tests. */
  public volatile BlockWriter blockWriter = StorageFile::writeFully;

  /** Global position just past the last appended byte; written by the writer only. */
  private volatile long end;

  private SegmentLog(
      Path directory,
      long segmentBytes,
      WriteAmplificationMeter meter,
      boolean writable,
      FileIO fileIO) {
    this.fileIO = fileIO;
    this.directory = directory;
    this.segmentBytes = segmentBytes;
    this.meter = meter;
    this.writable = writable;
    this.maps = fileIO == FileIO.standard() ? new SegmentMaps() : null;
  }

  /** The global position of an offset in a segment. */
  public static long position(int segment, long offset) {
    return ((long) segment << OFFSET_BITS) | offset;
  }

  /** The segment index of a global position. */
  public static int segmentOf(long position) {
    return (int) (position >>> OFFSET_BITS);
  }

  /** The offset inside its segment of a global position. */
  public static long offsetOf(long position) {
    return position & ((1L << OFFSET_BITS) - 1);
  }

  /** The path of segment {@code index} in {@code directory}. */
  public static Path fileName(Path directory, int index) {
    return directory.resolve(String.format("ledger-%010d.seg", index));
  }

  /**
   * Opens every segment and checks its header; creates segment 0 in an empty writable store. A last
   * segment with a torn header (a crash while rotating) is removed when writable.
   */
  public static SegmentLog open(
      Path directory,
      long segmentBytes,
      WriteAmplificationMeter meter,
      boolean writable,
      FileIO fileIO)
      throws IOException {
    SegmentLog log = new SegmentLog(directory, segmentBytes, meter, writable, fileIO);
    List<Integer> indexes = new ArrayList<>();
    try (Stream<Path> files = Files.list(directory)) {
      files.forEach(
          p -> {
            Matcher m = NAME.matcher(p.getFileName().toString());
            if (m.matches()) {
              indexes.add(Integer.parseInt(m.group(1)));
            }
          });
    }
    indexes.sort(null);
    for (int i = 0; i < indexes.size(); i++) {
      if (indexes.get(i) != i) {
        throw new CorruptionException(
            directory
                + ": segment "
                + i
                + " is missing (found "
                + fileName(directory, indexes.get(i)).getFileName()
                + ")");
      }
    }
    try {
      for (int i = 0; i < indexes.size(); i++) {
        Path path = fileName(directory, i);
        StorageFile file =
            writable
                ? fileIO.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)
                : fileIO.open(path, StandardOpenOption.READ);
        boolean last = i == indexes.size() - 1;
        // A crash while creating a segment (segment 0 too: while creating the store) can leave it
        // shorter than its header; no record can follow a header that never reached the disk.
        if (last && file.size() < HEADER) {
          file.close();
          if (writable) {
            fileIO.delete(path);
          }
          break;
        }
        log.segments.add(new Segment(i, path, file));
        checkHeader(path, file.channel(), i);
      }
      if (log.segments.isEmpty()) {
        if (!writable) {
          throw new CorruptionException(directory + ": no segment file");
        }
        log.createSegment(0);
      }
      Segment lastSegment = log.segments.get(log.segments.size() - 1);
      log.end = position(lastSegment.index(), lastSegment.channel().size());
    } catch (IOException | RuntimeException e) {
      log.close();
      throw e;
    }
    return log;
  }

  private static void checkHeader(Path path, FileChannel ch, int index) throws IOException {
    ByteBuffer header = RecordFormat.allocate(HEADER);
    FileReads.readFully(ch, header, 0, path);
    long magic = header.getLong(0);
    if (magic != MAGIC) {
      throw new CorruptionException(path + ": bad magic at offset 0, not a ledger segment");
    }
    int crc = header.getInt(28);
    if (crc != RecordFormat.crc(header, 0, 28)) {
      throw new CorruptionException(path + ": header checksum mismatch at offset 0");
    }
    int version = header.getInt(8);
    // Version 1 stored the canonical bytes themselves; it predates 1.0 and is not read any more.
    if (version != FORMAT_VERSION) {
      throw new UnsupportedFormatException(
          path
              + " has format version "
              + version
              + "; this library reads only version "
              + FORMAT_VERSION
              + (version < FORMAT_VERSION
                  ? " (stores of earlier pre-1.0 versions must be rebuilt)"
                  : ""));
    }
    if (header.getLong(16) != index) {
      throw new CorruptionException(
          path + ": header names segment " + header.getLong(16) + " at offset 16");
    }
  }

  private void createSegment(int index) throws IOException {
    Path path = fileName(directory, index);
    StorageFile file =
        fileIO.open(
            path, StandardOpenOption.READ, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW);
    try {
      ByteBuffer header = RecordFormat.allocate(HEADER);
      header.putLong(MAGIC).putInt(FORMAT_VERSION).putInt(HEADER).putLong(index).putInt(0);
      header.putInt(RecordFormat.crc(header, 0, 28)).flip();
      file.writeFully(header, 0);
      meter.addPhysical(HEADER);
      file.force(true);
      meter.addSync();
      fileIO.syncDirectory(directory);
    } catch (IOException | RuntimeException e) {
      file.close();
      throw e;
    }
    segments.add(new Segment(index, path, file));
    end = position(index, HEADER);
  }

  /** Global position just past the last appended byte. */
  public long end() {
    return end;
  }

  /** The open segments in order; a live, thread-safe view. */
  public List<Segment> segments() {
    return segments;
  }

  /** The segment with that index. */
  public Segment segment(int index) {
    return segments.get(index);
  }

  /** The last segment, the only one ever written. */
  public Segment last() {
    return segments.get(segments.size() - 1);
  }

  /** Position of the first record of the ledger. */
  public static long start() {
    return position(0, HEADER);
  }

  /**
   * Starts a new segment when the current one is full; call only between transactions so a block
   * never spans two files. Forces the old segment first (only the last may be torn).
   *
   * @return true if a new segment was started
   */
  public boolean rotateIfFull() throws IOException {
    Segment last = last();
    if (offsetOf(end) < segmentBytes) {
      return false;
    }
    last.file().force(false);
    meter.addSync();
    createSegment(last.index() + 1);
    return true;
  }

  /** Appends a transaction's block at the end of the last segment; returns its position. */
  public long append(ByteBuffer block) throws IOException {
    Segment last = last();
    long start = end;
    int bytes = block.remaining();
    blockWriter.write(last.file(), block, offsetOf(start));
    meter.addPhysical(bytes);
    end = start + bytes;
    return start;
  }

  /** Cuts the log back to {@code position} after a failed append or a torn tail. */
  public void truncate(long position) throws IOException {
    int segment = segmentOf(position);
    if (maps != null) {
      maps.forgetFrom(segment);
    }
    while (segments.size() - 1 > segment) {
      Segment s = segments.remove(segments.size() - 1);
      s.file().close();
      fileIO.delete(s.path());
    }
    StorageFile file = last().file();
    file.truncate(offsetOf(position));
    file.force(true);
    meter.addSync();
    end = position;
  }

  /** Forgets bytes past {@code position} without touching the files (read-only recovery). */
  public void limit(long position) {
    end = position;
  }

  /**
   * Reads and checks the record at {@code position}. The timestamp and txn id of an entry that is
   * not the first of its block are read from that first entry when asked for.
   *
   * @param seq the entry's sequence number (for a marker: the ledger size after its block), which
   *     the stored record leaves out
   * @throws CorruptionException if the record is torn, malformed or fails its checksum
   */
  public StoredRecord read(long position, long seq) {
    StoredRecord rec = readRecord(position);
    rec.seq = seq;
    rec.source = this;
    return rec;
  }

  private StoredRecord readRecord(long position) {
    Segment s = segment(segmentOf(position));
    long offset = offsetOf(position);
    if (maps == null) {
      return readCopied(s, offset, position);
    }
    // The whole read, the pread fallback included, is one guarded section: a fault on a mapped load
    // is reported at the thread's next transition into the VM, which may be the fallback's read.
    try {
      StoredRecord rec = readMapped(s, offset, position);
      return rec != null ? rec : readCopied(s, offset, position);
    } catch (InternalError e) {
      // How the JVM reports a page that vanished under a mapping (SIGBUS): see SegmentMaps.
      throw new CorruptionException(
          s.path()
              + ": the file shrank under its read-only mapping; cannot read the record at offset "
              + offset,
          e);
    }
  }

  /** Reads a record with {@code pread}: one call for a small record, two for a larger one. */
  private StoredRecord readCopied(Segment s, long offset, long position) {
    try {
      // One read serves a small record whole; a larger one needs a second for the rest. The file's
      // end is learnt from the read itself: asking the channel for its size is a system call too.
      ByteBuffer frame = RecordFormat.allocate(SMALL_READ);
      long got = readUpTo(s.channel(), frame, offset);
      long header = RecordFormat.frameLength(frame, 0, (int) got);
      int bytes = frameBytes(s, offset, header);
      if (bytes > got && (got < SMALL_READ || bytes > s.channel().size() - offset)) {
        throw truncated(s, offset, header);
      }
      if (bytes > frame.capacity()) {
        ByteBuffer whole = RecordFormat.allocate(bytes);
        whole.put(frame.flip());
        FileReads.readFully(s.channel(), whole, offset + frame.limit(), s.path());
        frame = whole;
      }
      return decode(s, offset, position, frame, header);
    } catch (IOException e) {
      throw new dev.strata.api.StorageIOException(
          "cannot read " + s.path() + " at offset " + offset, e);
    }
  }

  /**
   * Reads a record from the segment's mapping: one copy of exactly its frame, no system call.
   *
   * @return the record, or null when its bytes are not mapped (read them with pread)
   * @throws CorruptionException if the record is bad, or the file shrank under the mapping
   */
  private StoredRecord readMapped(Segment s, long offset, long position) {
    boolean sealed = s.index() < last().index();
    long logEnd = offsetOf(end);
    ByteBuffer m = maps.covering(s, offset + 1, sealed, logEnd);
    if (m == null) {
      return null;
    }
    int at = (int) offset;
    long header =
        RecordFormat.frameLength(
            m, at, (int) Math.min(RecordFormat.MAX_LENGTH_BYTES, m.capacity() - offset));
    if (header == -1) {
      // The length runs past the mapping: the segment being written may hold more.
      return null;
    }
    int bytes = frameBytes(s, offset, header);
    if (offset + bytes > m.capacity()) {
      m = maps.covering(s, offset + bytes, sealed, logEnd);
      if (m == null) {
        return null;
      }
    }
    byte[] frame = new byte[bytes];
    m.get(at, frame);
    return decode(
        s, offset, position, ByteBuffer.wrap(frame).order(ByteOrder.LITTLE_ENDIAN), header);
  }

  /**
   * Copies {@code length} bytes of segment {@code s} from {@code offset} into {@code dst} at {@code
   * at} out of the segment's mapping, with no system call, when the mapping holds them (see {@link
   * SegmentMaps} for what is mapped).
   *
   * @return whether the bytes were copied; false when they are not mapped (read them with pread)
   * @throws InternalError if the file shrank under the mapping (the JVM's report of {@code
   *     SIGBUS}); the caller reports it
   */
  boolean copyMapped(Segment s, long offset, byte[] dst, int at, int length) {
    if (maps == null) {
      return false;
    }
    boolean sealed = s.index() < last().index();
    ByteBuffer m = maps.covering(s, offset + length, sealed, offsetOf(end));
    if (m == null) {
      return false;
    }
    m.get((int) offset, dst, at, length);
    return true;
  }

  /** The bytes of a frame whose length field decoded to {@code header}, checked against limits. */
  private static int frameBytes(Segment s, long offset, long header) {
    long length = header >> 8;
    if (header < 0 || length < 1 || length > RecordFormat.MAX_BODY) {
      throw new CorruptionException(s.path() + ": bad record length at offset " + offset);
    }
    return (int) (header & 0xFF) + (int) length + RecordFormat.CRC;
  }

  private static CorruptionException truncated(Segment s, long offset, long header) {
    return new CorruptionException(
        s.path() + ": truncated record of " + (header >> 8) + " bytes at offset " + offset);
  }

  /** Checks a whole frame at index 0 of {@code frame} and decodes it. */
  private static StoredRecord decode(
      Segment s, long offset, long position, ByteBuffer frame, long header) {
    int bytes = frameBytes(s, offset, header);
    if (frame.getInt(bytes - RecordFormat.CRC)
        != RecordFormat.crc(frame, 0, bytes - RecordFormat.CRC)) {
      throw new CorruptionException(s.path() + ": record checksum mismatch at offset " + offset);
    }
    StoredRecord rec = new StoredRecord();
    String bad = rec.parse(frame, 0, (int) (header & 0xFF), (int) (header >> 8), position);
    if (bad != null) {
      throw new CorruptionException(s.path() + ": " + bad + " at offset " + offset);
    }
    return rec;
  }

  /** Reads until {@code dst} is full or the file ends; returns the bytes read. */
  private static long readUpTo(FileChannel ch, ByteBuffer dst, long offset) throws IOException {
    long at = offset;
    while (dst.hasRemaining()) {
      int n = ch.read(dst, at);
      if (n < 0) {
        break;
      }
      at += n;
    }
    return at - offset;
  }

  /**
   * Fills in the timestamp and txn id of an entry that is not the first of its block from that
   * first entry, which its {@code back} field locates.
   *
   * @throws CorruptionException if no first entry of a block is there
   */
  void resolveBlock(StoredRecord rec) {
    long firstOffset = offsetOf(rec.position) - rec.back;
    if (firstOffset < HEADER) {
      throw new CorruptionException(
          segment(segmentOf(rec.position)).path()
              + ": entry at offset "
              + offsetOf(rec.position)
              + " points before its segment's first record");
    }
    StoredRecord first = readRecord(position(segmentOf(rec.position), firstOffset));
    if (first.isCommit() || !first.isFirst()) {
      throw new CorruptionException(
          segment(segmentOf(rec.position)).path()
              + ": entry at offset "
              + offsetOf(rec.position)
              + " points at offset "
              + firstOffset
              + ", which does not start a block");
    }
    rec.timestamp = first.timestamp;
    rec.txnId = first.txnId;
  }

  /**
   * Whether reads go through memory mappings where they can (the store's {@link FileIO} is the real
   * file system): then a read costs a memory copy, whatever order values are read in.
   */
  public boolean mapsReads() {
    return maps != null;
  }

  /**
   * Bytes of segment files that reads reach through memory mappings: 0 when the store's {@link
   * FileIO} is not the real file system, whose reads all go through {@code pread}.
   */
  public long mappedBytes() {
    return maps == null ? 0 : maps.mappedBytes();
  }

  /** Total bytes of all segment files. */
  public long bytes() {
    long total = 0;
    for (Segment s : segments) {
      total += s == last() ? offsetOf(end) : sizeOf(s);
    }
    return total;
  }

  private static long sizeOf(Segment s) {
    try {
      return s.channel().size();
    } catch (IOException e) {
      return 0;
    }
  }

  @Override
  public void close() {
    for (Segment s : segments) {
      try {
        s.file().close();
      } catch (IOException ignored) {
        // Closing a read channel cannot lose data; the lock file release matters more.
      }
    }
  }
}
