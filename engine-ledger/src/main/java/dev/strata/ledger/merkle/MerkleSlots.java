package dev.strata.ledger.merkle;

import dev.strata.api.UnsupportedFormatException;
import dev.strata.api.WriteAmplificationMeter;
import dev.strata.api.spi.FileIO;
import dev.strata.api.spi.StorageFile;
import dev.strata.ledger.format.FileReads;
import dev.strata.ledger.format.LedgerHashes;
import dev.strata.ledger.format.RecordFormat;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * The slots of {@code merkle.chunks} and {@code merkle.nodes} (FORMAT.md): their checksums and
 * their bulk reads, one read per run of slots, since open and the integrity check walk all of them.
 * Stateless; safe to call from any thread the file may be read from.
 */
final class MerkleSlots {
  static final int HEADER = 32;
  static final int CHUNK_SLOT = 12;
  static final int NODE_SLOT = LedgerHashes.SIZE + 4;

  private MerkleSlots() {}

  static int chunkCrc(long chunk, long end) {
    ByteBuffer b = RecordFormat.allocate(16);
    b.putLong(chunk).putLong(end);
    return RecordFormat.crc(b, 0, 16);
  }

  static int nodeCrc(long slot, byte[] hash) {
    ByteBuffer b = RecordFormat.allocate(8 + LedgerHashes.SIZE);
    b.putLong(slot).put(hash);
    return RecordFormat.crc(b, 0, b.capacity());
  }

  /** File offset of chunk slot {@code chunk}. */
  static long chunkOffset(long chunk) {
    return HEADER + chunk * CHUNK_SLOT;
  }

  /** File offset of node slot {@code slot}. */
  static long nodeOffset(long slot) {
    return HEADER + slot * NODE_SLOT;
  }

  /**
   * Reads chunk slots {@code from .. from + count - 1} into {@code out[0 .. count - 1]}.
   *
   * @return how many leading slots passed their checksum; {@code count} when all did
   */
  static int readChunkEnds(StorageFile file, Path path, long from, int count, long[] out)
      throws IOException {
    ByteBuffer b = RecordFormat.allocate(count * CHUNK_SLOT);
    FileReads.readFully(file.channel(), b, chunkOffset(from), path);
    for (int i = 0; i < count; i++) {
      long end = b.getLong(i * CHUNK_SLOT);
      if (b.getInt(i * CHUNK_SLOT + 8) != chunkCrc(from + i, end)) {
        return i;
      }
      out[i] = end;
    }
    return count;
  }

  /**
   * Reads node slots {@code from .. from + count - 1} into {@code out[0 .. count - 1]}.
   *
   * @return how many leading slots passed their checksum; {@code count} when all did
   */
  static int readNodes(StorageFile file, Path path, long from, int count, byte[][] out)
      throws IOException {
    ByteBuffer b = RecordFormat.allocate(count * NODE_SLOT);
    FileReads.readFully(file.channel(), b, nodeOffset(from), path);
    // One buffer and one checksum object for the whole window: this runs once per node in
    // verifyIntegrity().
    ByteBuffer input = RecordFormat.allocate(8 + LedgerHashes.SIZE);
    CRC32C crc = new CRC32C();
    for (int i = 0; i < count; i++) {
      input.putLong(0, from + i).put(8, b.array(), i * NODE_SLOT, LedgerHashes.SIZE);
      crc.reset();
      crc.update(input.array(), 0, input.capacity());
      if (b.getInt(i * NODE_SLOT + LedgerHashes.SIZE) != (int) crc.getValue()) {
        return i;
      }
      out[i] = Arrays.copyOfRange(b.array(), i * NODE_SLOT, i * NODE_SLOT + LedgerHashes.SIZE);
    }
    return count;
  }

  static final int FORMAT_VERSION = 1;

  /**
   * Opens one of the two files and checks its header: a missing, short or damaged header gives a
   * fresh file when writable (the file is derived, so it is rebuilt rather than trusted) and null
   * when read-only.
   *
   * @throws UnsupportedFormatException if a newer format version wrote the file
   */
  static StorageFile openFile(
      Path path, long magic, boolean writable, FileIO fileIO, WriteAmplificationMeter meter)
      throws IOException {
    boolean exists = path.toFile().exists();
    if (!exists && !writable) {
      return null;
    }
    StorageFile ch =
        writable
            ? fileIO.open(
                path, StandardOpenOption.READ, StandardOpenOption.WRITE, StandardOpenOption.CREATE)
            : fileIO.open(path, StandardOpenOption.READ);
    boolean fresh = ch.size() < HEADER;
    if (!fresh) {
      ByteBuffer header = RecordFormat.allocate(HEADER);
      FileReads.readFully(ch.channel(), header, 0, path);
      boolean valid =
          header.getLong(0) == magic && header.getInt(28) == RecordFormat.crc(header, 0, 28);
      if (valid && header.getInt(8) > FORMAT_VERSION) {
        ch.close();
        throw new UnsupportedFormatException(
            path
                + " has format version "
                + header.getInt(8)
                + "; this library reads up to "
                + FORMAT_VERSION);
      }
      // A damaged derived file is rebuilt from the log rather than trusted.
      fresh = !valid;
    }
    if (fresh) {
      if (!writable) {
        ch.close();
        return null;
      }
      ByteBuffer header = RecordFormat.allocate(HEADER);
      header.putLong(magic).putInt(FORMAT_VERSION).putInt(HEADER).putLong(0).putInt(0);
      header.putInt(RecordFormat.crc(header, 0, 28)).flip();
      ch.truncate(0);
      ch.writeFully(header, 0);
      meter.addPhysical(HEADER);
    }
    return ch;
  }
}
