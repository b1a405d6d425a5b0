package dev.strata.ledger;

import dev.strata.api.spi.StorageFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
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
  static final int NODE_SLOT = Hashes.SIZE + 4;

  private MerkleSlots() {}

  static int chunkCrc(long chunk, long end) {
    ByteBuffer b = Codec.allocate(16);
    b.putLong(chunk).putLong(end);
    return Codec.crc(b, 0, 16);
  }

  static int nodeCrc(long slot, byte[] hash) {
    ByteBuffer b = Codec.allocate(8 + Hashes.SIZE);
    b.putLong(slot).put(hash);
    return Codec.crc(b, 0, b.capacity());
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
    ByteBuffer b = Codec.allocate(count * CHUNK_SLOT);
    SegmentLog.readFully(file.channel(), b, chunkOffset(from), path);
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
    ByteBuffer b = Codec.allocate(count * NODE_SLOT);
    SegmentLog.readFully(file.channel(), b, nodeOffset(from), path);
    // One buffer and one checksum object for the whole window: this runs once per node in
    // verifyIntegrity().
    ByteBuffer input = Codec.allocate(8 + Hashes.SIZE);
    CRC32C crc = new CRC32C();
    for (int i = 0; i < count; i++) {
      input.putLong(0, from + i).put(8, b.array(), i * NODE_SLOT, Hashes.SIZE);
      crc.reset();
      crc.update(input.array(), 0, input.capacity());
      if (b.getInt(i * NODE_SLOT + Hashes.SIZE) != (int) crc.getValue()) {
        return i;
      }
      out[i] = Arrays.copyOfRange(b.array(), i * NODE_SLOT, i * NODE_SLOT + Hashes.SIZE);
    }
    return count;
  }
}
