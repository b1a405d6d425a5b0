package dev.strata.ledger;

import dev.strata.api.Limits;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * The record encodings of {@code FORMAT.md}: little-endian frames {@code u32 bodyLength, body, u32
 * crc32c(length and body)}, where the body of an entry is its canonical bytes and the body of a
 * commit marker closes a transaction's block. Stateless; thread-safe.
 */
final class Codec {
  static final byte PUT = 1;
  static final byte DELETE = 2;
  static final byte COMMIT = 3;

  /** Length prefix plus trailing checksum. */
  static final int FRAME = 8;

  static final int ENTRY_FIXED = 1 + 8 + 8 + 8 + 8 + 4 + 4;
  static final int COMMIT_BODY = 1 + 8 + 8 + 8 + 4 + Hashes.SIZE;
  static final int MAX_BODY = ENTRY_FIXED + Limits.MAX_KEY_SIZE + Limits.MAX_VALUE_SIZE;

  // Offsets inside an entry body.
  static final int OFF_SEQ = 1;
  static final int OFF_TIMESTAMP = 9;
  static final int OFF_TXN = 17;
  static final int OFF_PREV = 25;
  static final int OFF_KEYLEN = 33;
  static final int OFF_KEY = 37;
  // Offsets inside a commit body.
  static final int OFF_SIZE = 1;
  static final int OFF_COUNT = 25;
  static final int OFF_HEAD = 29;

  private Codec() {}

  static ByteBuffer allocate(int bytes) {
    return ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
  }

  static int entryBodySize(int keyLength, int valueLength) {
    return ENTRY_FIXED + keyLength + valueLength;
  }

  static void putEntryBody(
      ByteBuffer buf,
      byte kind,
      long seq,
      long timestamp,
      long txnId,
      long prevSeq,
      byte[] key,
      int keyOff,
      int keyLen,
      byte[] value,
      int valueOff,
      int valueLen) {
    buf.put(kind).putLong(seq).putLong(timestamp).putLong(txnId).putLong(prevSeq);
    buf.putInt(keyLen).put(key, keyOff, keyLen).putInt(valueLen).put(value, valueOff, valueLen);
  }

  /** Writes a framed entry at the buffer's position; returns the body's start offset. */
  static int putEntry(
      ByteBuffer buf,
      byte kind,
      long seq,
      long timestamp,
      long txnId,
      long prevSeq,
      byte[] key,
      byte[] value) {
    int start = buf.position();
    buf.putInt(entryBodySize(key.length, value.length));
    putEntryBody(
        buf, kind, seq, timestamp, txnId, prevSeq, key, 0, key.length, value, 0, value.length);
    buf.putInt(crc(buf, start, buf.position()));
    return start + 4;
  }

  static void putCommit(
      ByteBuffer buf, long size, long timestamp, long txnId, int count, byte[] chainHead) {
    int start = buf.position();
    buf.putInt(COMMIT_BODY);
    buf.put(COMMIT).putLong(size).putLong(timestamp).putLong(txnId).putInt(count).put(chainHead);
    buf.putInt(crc(buf, start, buf.position()));
  }

  static int crc(ByteBuffer buf, int from, int to) {
    CRC32C crc = new CRC32C();
    ByteBuffer view = buf.duplicate();
    view.limit(to).position(from);
    crc.update(view);
    return (int) crc.getValue();
  }

  static int crc(byte[] bytes, int from, int to) {
    CRC32C crc = new CRC32C();
    crc.update(bytes, from, to - from);
    return (int) crc.getValue();
  }
}
