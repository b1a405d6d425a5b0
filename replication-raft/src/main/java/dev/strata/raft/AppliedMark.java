package dev.strata.raft;

import dev.strata.api.CorruptionException;
import dev.strata.api.Limits;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.UUID;
import java.util.zip.CRC32C;

/**
 * What a replica's local store has applied, kept in the store itself so it changes in the same
 * local transaction as the data it describes.
 *
 * <h2>How it is hidden</h2>
 *
 * The mark lives under one reserved key: {@link Limits#MAX_KEY_SIZE} bytes of {@code 0xFF}, the
 * greatest key the local engine can hold. User keys are stored unchanged (no prefix, so the full
 * key size stays available and the local store's order is the user's order); the raft engine
 * refuses that one key from users with {@link IllegalArgumentException}, answers {@code get} of it
 * with that exception too, and every cursor skips it (being the greatest key, it can only appear
 * last in an ascending scan and first in a descending one).
 *
 * <h2>Value</h2>
 *
 * Little-endian: magic {@code "SRAM"}, log id (16), applied index (8), applied term (8), last data
 * index (8), CRC32C (4). The log id names the Raft log the indexes refer to: a store copied from a
 * backup or another replica carries a foreign id, and its indexes are then not this replica's (see
 * {@link StoreStateMachine}).
 */
record AppliedMark(UUID logId, long appliedIndex, long appliedTerm, long lastDataIndex) {
  static final byte[] KEY = reservedKey();
  private static final int MAGIC = 0x4D415253; // "SRAM" read little-endian
  private static final int SIZE = 4 + 16 + 8 + 8 + 8 + 4;

  private static byte[] reservedKey() {
    byte[] k = new byte[Limits.MAX_KEY_SIZE];
    Arrays.fill(k, (byte) 0xFF);
    return k;
  }

  /** Tells whether {@code key} is the reserved key; cheap for every other key. */
  static boolean isReserved(byte[] key) {
    return key.length == KEY.length && key[0] == (byte) 0xFF && Arrays.equals(key, KEY);
  }

  /**
   * Rejects the reserved key as a user key.
   *
   * @throws IllegalArgumentException if {@code key} is the reserved key
   */
  static void checkUserKey(byte[] key) {
    if (isReserved(key)) {
      throw new IllegalArgumentException(
          "the key of MAX_KEY_SIZE ("
              + Limits.MAX_KEY_SIZE
              + ") bytes all 0xFF is reserved by the raft engine for its applied index");
    }
  }

  byte[] encode() {
    ByteBuffer b = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(MAGIC)
        .putLong(logId.getMostSignificantBits())
        .putLong(logId.getLeastSignificantBits())
        .putLong(appliedIndex)
        .putLong(appliedTerm)
        .putLong(lastDataIndex);
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 0, b.position());
    b.putInt((int) crc.getValue());
    return b.array();
  }

  /**
   * Decodes a stored mark.
   *
   * @throws CorruptionException if the value is not a mark or fails its checksum
   */
  static AppliedMark decode(byte[] value) {
    if (value.length != SIZE) {
      throw new CorruptionException(
          "raft applied mark has " + value.length + " bytes, expected " + SIZE);
    }
    ByteBuffer b = ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN);
    CRC32C crc = new CRC32C();
    crc.update(value, 0, SIZE - 4);
    if (b.getInt(SIZE - 4) != (int) crc.getValue() || b.getInt() != MAGIC) {
      throw new CorruptionException("raft applied mark fails its magic or CRC32C");
    }
    return new AppliedMark(
        new UUID(b.getLong(), b.getLong()), b.getLong(), b.getLong(), b.getLong());
  }
}
