package dev.strata.ledger;

import dev.strata.api.KeyRange;
import dev.strata.api.UnsupportedFormatException;
import dev.strata.api.WriteAmplificationMeter;
import dev.strata.api.spi.FileIO;
import dev.strata.api.spi.StorageFile;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.zip.CRC32C;
import java.util.zip.CheckedOutputStream;

/**
 * The persisted index ({@code index.checkpoint}): every key with its latest entry, bound to the
 * commit it reflects by the ledger size, the commit marker's position and the chain head there.
 * Open loads it and replays only the log after that marker. Written to a temporary file, forced and
 * renamed, so a crash leaves the previous checkpoint or the new one, never half of one; a
 * checkpoint that fails its checksum is ignored and the log replayed in full.
 *
 * <p>Layout (little-endian): magic {@code "STRLCKP1"}, u32 version, u32 0, u64 size, u64 marker
 * position, u64 end position, 32-byte chain head, u64 next txn id, u64 last timestamp, u64 key
 * count; per key u32 key length, key, u64 seq, u64 position, u8 tombstone; u32 CRC32C of all
 * preceding bytes.
 */
final class Checkpoint {
  static final String FILE = "index.checkpoint";
  private static final long MAGIC = 0x3150_4B43_4C52_5453L; // "STRLCKP1"
  private static final int FORMAT_VERSION = 1;

  /** Magic, version, reserved, size, marker, end, chain head, next txn, timestamp, key count. */
  private static final int HEADER_BYTES = 8 + 4 + 4 + 8 + 8 + 8 + Hashes.SIZE + 8 + 8 + 8;

  final long size;
  final long markerPosition;
  final long endPosition;
  final byte[] chainHead;
  final long nextTxnId;
  final long lastTimestamp;
  final KeyIndex index;

  Checkpoint(
      long size,
      long markerPosition,
      long endPosition,
      byte[] chainHead,
      long nextTxnId,
      long lastTimestamp,
      KeyIndex index) {
    this.size = size;
    this.markerPosition = markerPosition;
    this.endPosition = endPosition;
    this.chainHead = chainHead;
    this.nextTxnId = nextTxnId;
    this.lastTimestamp = lastTimestamp;
    this.index = index;
  }

  /**
   * Writes the checkpoint through {@code fileIO}: a temporary file, forced, renamed over the old
   * one, directory synced. The caller guarantees the index reflects exactly {@code size} and that
   * the log and the Merkle files up to it are durable.
   */
  void write(Path directory, FileIO fileIO, WriteAmplificationMeter meter) throws IOException {
    Path tmp = directory.resolve(FILE + ".tmp");
    CRC32C crc = new CRC32C();
    long bytes;
    try (StorageFile file =
        fileIO.open(
            tmp,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE)) {
      FileOutput sink = new FileOutput(file);
      DataOutputStream out =
          new DataOutputStream(
              new BufferedOutputStream(new CheckedOutputStream(sink, crc), 1 << 16));
      out.writeLong(Long.reverseBytes(MAGIC));
      out.writeInt(Integer.reverseBytes(FORMAT_VERSION));
      out.writeInt(0);
      out.writeLong(Long.reverseBytes(size));
      out.writeLong(Long.reverseBytes(markerPosition));
      out.writeLong(Long.reverseBytes(endPosition));
      out.write(chainHead);
      out.writeLong(Long.reverseBytes(nextTxnId));
      out.writeLong(Long.reverseBytes(lastTimestamp));
      out.writeLong(Long.reverseBytes(index.size()));
      KeyOrder.Scan ids = index.scan(KeyRange.all());
      for (int id = ids.next(); id >= 0; id = ids.next()) {
        byte[] key = index.key(id);
        long word = index.wordOf(id);
        out.writeInt(Integer.reverseBytes(key.length));
        out.write(key);
        out.writeLong(Long.reverseBytes(KeyIndex.seqOf(word)));
        out.writeLong(Long.reverseBytes(index.positionOf(id)));
        out.writeByte(KeyIndex.deletedOf(word) ? 1 : 0);
      }
      out.flush();
      new DataOutputStream(sink).writeInt(Integer.reverseBytes((int) crc.getValue()));
      bytes = sink.position;
      file.force(true);
      meter.addSync();
    }
    meter.addPhysical(bytes);
    fileIO.rename(tmp, directory.resolve(FILE));
    fileIO.syncDirectory(directory);
  }

  /**
   * Reads the checkpoint.
   *
   * @return the checkpoint, or null when absent or damaged (the caller replays the whole log)
   * @throws UnsupportedFormatException if a newer library wrote it
   */
  static Checkpoint read(Path directory, System.Logger logger) throws IOException {
    Path file = directory.resolve(FILE);
    try (InputStream raw = Files.newInputStream(file);
        DataInputStream in = new DataInputStream(new BufferedInputStream(raw, 1 << 16))) {
      if (Long.reverseBytes(in.readLong()) != MAGIC) {
        logger.log(System.Logger.Level.WARNING, file + ": bad magic; replaying the log");
        return null;
      }
      int version = Integer.reverseBytes(in.readInt());
      if (version > FORMAT_VERSION) {
        throw new UnsupportedFormatException(
            file
                + " has format version "
                + version
                + "; this library reads up to "
                + FORMAT_VERSION);
      }
      if (!checksumMatches(file)) {
        logger.log(System.Logger.Level.WARNING, file + ": checksum mismatch; replaying the log");
        return null;
      }
      in.readInt();
      long size = Long.reverseBytes(in.readLong());
      long marker = Long.reverseBytes(in.readLong());
      long end = Long.reverseBytes(in.readLong());
      byte[] head = new byte[Hashes.SIZE];
      in.readFully(head);
      long nextTxn = Long.reverseBytes(in.readLong());
      long lastTimestamp = Long.reverseBytes(in.readLong());
      long count = Long.reverseBytes(in.readLong());
      if (count < 0 || count > size || count > Integer.MAX_VALUE - 8) {
        logger.log(System.Logger.Level.WARNING, file + ": bad key count; replaying the log");
        return null;
      }
      // The count is not trusted for allocation before the checksum-verified bytes back it.
      int capacity = (int) Math.min(count, 1 << 16);
      byte[][] keys = new byte[capacity][];
      long[] words = new long[capacity];
      long[] positions = new long[capacity];
      byte[] previous = null;
      for (int i = 0; i < count; i++) {
        int length = Integer.reverseBytes(in.readInt());
        if (length < 1 || length > dev.strata.api.Limits.MAX_KEY_SIZE) {
          logger.log(System.Logger.Level.WARNING, file + ": bad key length; replaying the log");
          return null;
        }
        byte[] key = new byte[length];
        in.readFully(key);
        if (previous != null && KeyRange.compare(previous, key) >= 0) {
          logger.log(System.Logger.Level.WARNING, file + ": keys out of order; replaying");
          return null;
        }
        previous = key;
        long seq = Long.reverseBytes(in.readLong());
        long position = Long.reverseBytes(in.readLong());
        boolean deleted = in.readByte() != 0;
        if (i == keys.length) {
          int grown = (int) Math.min(count, 2L * i);
          keys = Arrays.copyOf(keys, grown);
          words = Arrays.copyOf(words, grown);
          positions = Arrays.copyOf(positions, grown);
        }
        keys[i] = key;
        words[i] = KeyIndex.word(seq, deleted);
        positions[i] = position;
      }
      in.readInt();
      if (in.read() != -1) {
        logger.log(System.Logger.Level.WARNING, file + ": trailing bytes; replaying the log");
        return null;
      }
      return new Checkpoint(
          size,
          marker,
          end,
          head,
          nextTxn,
          lastTimestamp,
          new KeyIndex(keys, words, positions, (int) count));
    } catch (NoSuchFileException e) {
      return null;
    } catch (EOFException e) {
      logger.log(System.Logger.Level.WARNING, file + ": truncated; replaying the log");
      return null;
    }
  }

  /**
   * Checks the trailing CRC32C against everything before it in one bulk pass: a checksum updated
   * per field read would cost more than the parse.
   */
  private static boolean checksumMatches(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      if (size < HEADER_BYTES + 4) {
        return false;
      }
      CRC32C crc = new CRC32C();
      ByteBuffer buf = ByteBuffer.allocate(1 << 20);
      long at = 0;
      while (at < size - 4) {
        buf.clear().limit((int) Math.min(buf.capacity(), size - 4 - at));
        SegmentLog.readFully(ch, buf, at, file);
        buf.flip();
        at += buf.remaining();
        crc.update(buf);
      }
      ByteBuffer stored = Codec.allocate(4);
      SegmentLog.readFully(ch, stored, size - 4, file);
      return stored.getInt(0) == (int) crc.getValue();
    }
  }

  /** Writes a stream to a {@link StorageFile} from offset 0, one positional write per call. */
  private static final class FileOutput extends OutputStream {
    private final StorageFile file;
    long position;

    FileOutput(StorageFile file) {
      this.file = file;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      file.writeFully(ByteBuffer.wrap(b, off, len), position);
      position += len;
    }
  }
}
