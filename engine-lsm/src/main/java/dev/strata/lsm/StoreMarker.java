package dev.strata.lsm;

import dev.strata.api.CorruptionException;
import dev.strata.api.StorageIOException;
import dev.strata.api.UnsupportedFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * The small file that marks a directory as a Strata {@code lsm} store and records the engine's own
 * format version. RocksDB's files carry their own checksums and versions; this one states which
 * Strata layout sits on top of them, so a future layout change (another column family, a schema
 * record) can refuse an old reader with {@link UnsupportedFormatException} instead of misreading.
 *
 * <p>Layout, little-endian, 16 bytes: magic {@code "STRATLSM"} (8 bytes), format version (int32),
 * CRC32C of the preceding 12 bytes (int32). Written to a temporary file, fsynced, renamed and the
 * directory fsynced, so a crash leaves either no marker or a whole one.
 */
final class StoreMarker {
  static final String FILE_NAME = "STRATA-LSM";
  static final int FORMAT_VERSION = 1;
  private static final long MAGIC = 0x4D534C5441525453L; // "STRATLSM" read little-endian
  private static final int LENGTH = 16;

  private StoreMarker() {}

  static boolean exists(Path directory) {
    return Files.exists(directory.resolve(FILE_NAME));
  }

  /**
   * Checks the marker of an existing store.
   *
   * @throws CorruptionException if the marker is truncated, has a bad magic or a bad checksum
   * @throws UnsupportedFormatException if a newer Strata wrote the store
   * @throws StorageIOException if the marker cannot be read
   */
  static void check(Path directory) {
    Path file = directory.resolve(FILE_NAME);
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new StorageIOException("cannot read " + file, e);
    }
    if (bytes.length != LENGTH) {
      throw new CorruptionException(
          file + ": marker is " + bytes.length + " bytes at offset 0, expected " + LENGTH);
    }
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    long magic = b.getLong(0);
    int version = b.getInt(8);
    int storedCrc = b.getInt(12);
    CRC32C crc = new CRC32C();
    crc.update(bytes, 0, 12);
    if ((int) crc.getValue() != storedCrc) {
      throw new CorruptionException(file + ": marker checksum mismatch at offset 12");
    }
    if (magic != MAGIC) {
      throw new CorruptionException(file + ": bad magic at offset 0, not a Strata lsm store");
    }
    if (version > FORMAT_VERSION) {
      throw new UnsupportedFormatException(
          file
              + ": lsm store format version "
              + version
              + " is newer than this engine's "
              + FORMAT_VERSION);
    }
    if (version < 1) {
      throw new CorruptionException(file + ": invalid format version " + version + " at offset 8");
    }
  }

  /**
   * Writes the marker crash-safely.
   *
   * @throws StorageIOException if the marker cannot be written
   */
  static void write(Path directory) {
    ByteBuffer b = ByteBuffer.allocate(LENGTH).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(MAGIC).putInt(FORMAT_VERSION);
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 0, 12);
    b.putInt((int) crc.getValue()).flip();
    Path file = directory.resolve(FILE_NAME);
    Path tmp = directory.resolve(FILE_NAME + ".tmp");
    try {
      try (FileChannel ch =
          FileChannel.open(
              tmp,
              StandardOpenOption.CREATE,
              StandardOpenOption.TRUNCATE_EXISTING,
              StandardOpenOption.WRITE)) {
        while (b.hasRemaining()) {
          ch.write(b);
        }
        ch.force(true);
      }
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
      syncDirectory(directory);
    } catch (IOException e) {
      throw new StorageIOException("cannot write " + file, e);
    }
  }

  private static void syncDirectory(Path directory) throws IOException {
    try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
      dir.force(true);
    }
  }
}
