package dev.strata.ledger;

import dev.strata.api.spi.StorageFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

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
    for (int i = 0; i < count; i++) {
      byte[] hash = new byte[Hashes.SIZE];
      b.get(i * NODE_SLOT, hash);
      if (b.getInt(i * NODE_SLOT + Hashes.SIZE) != nodeCrc(from + i, hash)) {
        return i;
      }
      out[i] = hash;
    }
    return count;
  }
}
