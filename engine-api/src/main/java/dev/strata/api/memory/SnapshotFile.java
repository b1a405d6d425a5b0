package dev.strata.api.memory;

import dev.strata.api.CorruptionException;
import dev.strata.api.StorageIOException;
import dev.strata.api.UnsupportedFormatException;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.zip.CRC32C;

/**
 * The file a {@code memory} engine backup writes and a {@code memory} engine restores on open.
 *
 * <p>Layout, little-endian: magic {@code "STRMEM01"} (8 bytes), format version (u32), then per
 * entry key length (u32), key, value length (u32), value; then the end mark {@code 0xFFFFFFFF}
 * (u32), the entry count (u64) and the CRC32C (u32) of every byte before it. The file is written to
 * a temporary name, forced, and renamed, so a crash never leaves a half-written snapshot under the
 * real name.
 */
final class SnapshotFile {
  static final String FILE_NAME = "memory.snapshot";
  private static final long MAGIC = 0x3130_4D45_4D52_5453L; // "STRMEM01" read little-endian
  private static final int FORMAT_VERSION = 1;
  private static final int END_MARK = -1;

  private SnapshotFile() {}

  static void write(Path directory, Iterable<Map.Entry<byte[], byte[]>> entries) {
    Path file = directory.resolve(FILE_NAME);
    Path tmp = directory.resolve(FILE_NAME + ".tmp");
    CRC32C crc = new CRC32C();
    try (OutputStream raw = Files.newOutputStream(tmp);
        DataOutputStream out =
            new DataOutputStream(
                new BufferedOutputStream(new ChecksummedOutput(raw, crc), 1 << 16))) {
      out.writeLong(Long.reverseBytes(MAGIC));
      writeInt(out, FORMAT_VERSION);
      long count = 0;
      for (Map.Entry<byte[], byte[]> e : entries) {
        writeInt(out, e.getKey().length);
        out.write(e.getKey());
        writeInt(out, e.getValue().length);
        out.write(e.getValue());
        count++;
      }
      writeInt(out, END_MARK);
      out.writeLong(Long.reverseBytes(count));
      out.flush();
      writeInt(new DataOutputStream(raw), (int) crc.getValue());
    } catch (IOException e) {
      throw new StorageIOException("cannot write memory snapshot " + tmp, e);
    }
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
      ch.force(true);
    } catch (IOException e) {
      throw new StorageIOException("cannot sync memory snapshot " + tmp, e);
    }
    try {
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new StorageIOException("cannot rename memory snapshot to " + file, e);
    }
  }

  static boolean exists(Path directory) {
    return Files.isRegularFile(directory.resolve(FILE_NAME));
  }

  static void read(Path directory, BiConsumer<byte[], byte[]> sink) {
    Path file = directory.resolve(FILE_NAME);
    CRC32C crc = new CRC32C();
    long offset = 0;
    try (InputStream raw = Files.newInputStream(file);
        DataInputStream in = new DataInputStream(new BufferedInputStream(raw, 1 << 16))) {
      byte[] header = in.readNBytes(12);
      if (header.length < 12) {
        throw new CorruptionException(file + ": truncated header at offset 0");
      }
      ByteBuffer h = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN);
      if (h.getLong() != MAGIC) {
        throw new CorruptionException(file + ": bad magic at offset 0, not a memory snapshot");
      }
      int version = h.getInt();
      if (version > FORMAT_VERSION) {
        throw new UnsupportedFormatException(
            file
                + ": format version "
                + version
                + " is newer than the newest supported, "
                + FORMAT_VERSION);
      }
      crc.update(header);
      offset = 12;
      long count = 0;
      while (true) {
        int keyLength = readInt(in, crc);
        offset += 4;
        if (keyLength == END_MARK) {
          break;
        }
        byte[] key = readBytes(in, crc, keyLength, file, offset);
        offset += keyLength;
        int valueLength = readInt(in, crc);
        offset += 4;
        byte[] value = readBytes(in, crc, valueLength, file, offset);
        offset += valueLength;
        sink.accept(key, value);
        count++;
      }
      byte[] countBytes = in.readNBytes(8);
      crc.update(countBytes);
      long stored = ByteBuffer.wrap(countBytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
      int storedCrc = Integer.reverseBytes(in.readInt());
      if (storedCrc != (int) crc.getValue() || stored != count) {
        throw new CorruptionException(file + ": checksum mismatch at offset " + (offset + 8));
      }
    } catch (EOFException e) {
      throw new CorruptionException(file + ": truncated at offset " + offset, e);
    } catch (IOException e) {
      throw new StorageIOException("cannot read memory snapshot " + file, e);
    }
  }

  private static byte[] readBytes(
      DataInputStream in, CRC32C crc, int length, Path file, long offset) throws IOException {
    if (length < 0 || length > dev.strata.api.Limits.MAX_VALUE_SIZE) {
      throw new CorruptionException(
          file + ": impossible length " + length + " at offset " + offset);
    }
    byte[] b = new byte[length];
    in.readFully(b);
    crc.update(b);
    return b;
  }

  private static int readInt(DataInputStream in, CRC32C crc) throws IOException {
    int v = in.readInt();
    crc.update(new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v});
    return Integer.reverseBytes(v);
  }

  private static void writeInt(DataOutputStream out, int v) throws IOException {
    out.writeInt(Integer.reverseBytes(v));
  }

  /** Feeds every byte written to a CRC on its way to the file. */
  private static final class ChecksummedOutput extends OutputStream {
    private final OutputStream out;
    private final CRC32C crc;

    ChecksummedOutput(OutputStream out, CRC32C crc) {
      this.out = out;
      this.crc = crc;
    }

    @Override
    public void write(int b) throws IOException {
      crc.update(b);
      out.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      crc.update(b, off, len);
      out.write(b, off, len);
    }

    @Override
    public void close() {
      // The raw stream is closed by its own try-with-resources after the CRC trailer is written.
    }
  }
}
