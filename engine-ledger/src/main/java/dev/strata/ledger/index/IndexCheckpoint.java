package dev.strata.ledger.index;

import dev.strata.api.KeyRange;
import dev.strata.api.UnsupportedFormatException;
import dev.strata.api.WriteAmplificationMeter;
import dev.strata.api.spi.FileIO;
import dev.strata.api.spi.StorageFile;
import dev.strata.ledger.format.FileReads;
import dev.strata.ledger.format.LedgerHashes;
import dev.strata.ledger.format.RecordFormat;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.zip.CRC32C;

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
public final class IndexCheckpoint {
  /** The checkpoint's file name in the ledger directory. */
  public static final String FILE = "index.checkpoint";

  private static final long MAGIC = 0x3150_4B43_4C52_5453L; // "STRLCKP1"
  private static final int FORMAT_VERSION = 1;

  /** Magic, version, reserved, size, marker, end, chain head, next txn, timestamp, key count. */
  private static final int HEADER_BYTES = 8 + 4 + 4 + 8 + 8 + 8 + LedgerHashes.SIZE + 8 + 8 + 8;

  /** Ledger size (entries) the checkpoint reflects. */
  public final long size;

  /** Log position of the commit marker the checkpoint is bound to. */
  public final long markerPosition;

  /** Log position right after that marker: replay starts here. */
  public final long endPosition;

  /** Chain head after {@link #size} entries. */
  public final byte[] chainHead;

  /** The next transaction id at that commit. */
  public final long nextTxnId;

  /** The last commit timestamp at that commit (microseconds). */
  public final long lastTimestamp;

  /** The loaded index, owned by the caller from here on. */
  public final KeyIndex index;

  /** A loaded checkpoint; the arrays and the index become the checkpoint's. */
  public IndexCheckpoint(
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
  public void write(Path directory, FileIO fileIO, WriteAmplificationMeter meter)
      throws IOException {
    Path tmp = directory.resolve(FILE + ".tmp");
    long bytes;
    try (StorageFile file =
        fileIO.open(
            tmp,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE)) {
      // Filled in place and written a window at a time: a stream stack costs a synchronized call
      // per field, over a second of CPU for 10^6 keys.
      Output out = new Output(file);
      out.room(HEADER_BYTES)
          .putLong(MAGIC)
          .putInt(FORMAT_VERSION)
          .putInt(0)
          .putLong(size)
          .putLong(markerPosition)
          .putLong(endPosition)
          .put(chainHead)
          .putLong(nextTxnId)
          .putLong(lastTimestamp)
          .putLong(index.size());
      KeyOrder.Scan ids = index.scan(KeyRange.all());
      for (int id = ids.next(); id >= 0; id = ids.next()) {
        byte[] key = index.key(id);
        long word = index.wordOf(id);
        out.room(4 + key.length + 8 + 8 + 1)
            .putInt(key.length)
            .put(key)
            .putLong(KeyIndex.seqOf(word))
            .putLong(index.positionOf(id))
            .put((byte) (KeyIndex.deletedOf(word) ? 1 : 0));
      }
      bytes = out.finish();
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
  public static IndexCheckpoint read(Path directory, System.Logger logger) throws IOException {
    Path file = directory.resolve(FILE);
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      Input in = new Input(channel);
      if (in.need(8 + 4).getLong() != MAGIC) {
        logger.log(System.Logger.Level.WARNING, file + ": bad magic; replaying the log");
        return null;
      }
      int version = in.need(4).getInt();
      // The checksum first: a flipped bit in the version field of this derived file must cost a
      // replay, not refuse the store as one written by a newer library.
      if (!checksumMatches(file)) {
        logger.log(System.Logger.Level.WARNING, file + ": checksum mismatch; replaying the log");
        return null;
      }
      if (version > FORMAT_VERSION) {
        throw new UnsupportedFormatException(
            file
                + " has format version "
                + version
                + "; this library reads up to "
                + FORMAT_VERSION);
      }
      ByteBuffer header = in.need(HEADER_BYTES - 12);
      header.getInt();
      long size = header.getLong();
      long marker = header.getLong();
      long end = header.getLong();
      byte[] head = new byte[LedgerHashes.SIZE];
      header.get(head);
      long nextTxn = header.getLong();
      long lastTimestamp = header.getLong();
      long count = header.getLong();
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
        int length = in.need(4).getInt();
        if (length < 1 || length > dev.strata.api.Limits.MAX_KEY_SIZE) {
          logger.log(System.Logger.Level.WARNING, file + ": bad key length; replaying the log");
          return null;
        }
        byte[] key = new byte[length];
        ByteBuffer record = in.need(length + 8 + 8 + 1).get(key);
        if (previous != null && KeyRange.compare(previous, key) >= 0) {
          logger.log(System.Logger.Level.WARNING, file + ": keys out of order; replaying");
          return null;
        }
        previous = key;
        long seq = record.getLong();
        long position = record.getLong();
        boolean deleted = record.get() != 0;
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
      in.need(4).getInt();
      if (!in.atEnd()) {
        logger.log(System.Logger.Level.WARNING, file + ": trailing bytes; replaying the log");
        return null;
      }
      return new IndexCheckpoint(
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
        FileReads.readFully(ch, buf, at, file);
        buf.flip();
        at += buf.remaining();
        crc.update(buf);
      }
      ByteBuffer stored = RecordFormat.allocate(4);
      FileReads.readFully(ch, stored, size - 4, file);
      return stored.getInt(0) == (int) crc.getValue();
    }
  }

  /** Reads a checkpoint through a little-endian window over its channel. */
  private static final class Input {
    private static final int WINDOW = 1 << 16;
    private final FileChannel channel;
    private final ByteBuffer window = RecordFormat.allocate(WINDOW).flip();

    Input(FileChannel channel) {
      this.channel = channel;
    }

    /**
     * The window with at least {@code bytes} unread, at most {@link #WINDOW}.
     *
     * @throws EOFException if the file ends first
     */
    ByteBuffer need(int bytes) throws IOException {
      if (window.remaining() < bytes) {
        window.compact();
        while (window.position() < bytes) {
          if (channel.read(window) < 0) {
            throw new EOFException();
          }
        }
        window.flip();
      }
      return window;
    }

    /** Whether nothing follows what was read. */
    boolean atEnd() throws IOException {
      if (window.hasRemaining()) {
        return false;
      }
      window.clear();
      int read = channel.read(window);
      window.flip();
      return read <= 0;
    }
  }

  /**
   * Writes a checkpoint to a {@link StorageFile} from offset 0 through a little-endian window, one
   * positional write per full window, and appends the CRC32C of everything before it.
   */
  private static final class Output {
    private static final int WINDOW = 1 << 16;
    private final StorageFile file;
    private final ByteBuffer window = RecordFormat.allocate(WINDOW);
    private final CRC32C crc = new CRC32C();
    private long position;

    Output(StorageFile file) {
      this.file = file;
    }

    /** The window with at least {@code bytes} free, writing it out first if needed. */
    ByteBuffer room(int bytes) throws IOException {
      if (window.remaining() < bytes) {
        drain();
        if (bytes > WINDOW) {
          throw new IllegalArgumentException("a checkpoint record of " + bytes + " bytes");
        }
      }
      return window;
    }

    private void drain() throws IOException {
      window.flip();
      crc.update(window.array(), 0, window.limit());
      int length = window.limit();
      file.writeFully(window, position);
      position += length;
      window.clear();
    }

    /** Writes what is left and the checksum; returns the file's length. */
    long finish() throws IOException {
      drain();
      window.putInt((int) crc.getValue()).flip();
      file.writeFully(window, position);
      position += 4;
      return position;
    }
  }
}
