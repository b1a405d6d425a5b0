package dev.strata.ledger.format;

import dev.strata.api.Limits;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * The encodings of {@code FORMAT.md}. Two byte strings exist per entry: the <em>stored</em> record
 * (format version 2: a frame {@code varint bodyLength, body, u32 crc32c(varint and body)} whose
 * body omits everything the reader can rebuild: the sequence number, and the timestamp and txn id
 * except on the first entry of a block) and the <em>canonical</em> bytes the chain and the Merkle
 * leaves hash, which are fixed-width and exactly those of format version 1. Stateless; thread-safe.
 */
public final class RecordFormat {
  /** Record kind of a put entry. */
  public static final byte PUT = 1;

  /** Record kind of a delete entry (a tombstone). */
  public static final byte DELETE = 2;

  /** Record kind of a commit marker. */
  public static final byte COMMIT = 3;

  /** Set on the stored kind of the first entry of a block, which carries timestamp and txn id. */
  public static final byte FIRST = (byte) 0x80;

  /** Bytes of the CRC32C that ends every frame. */
  public static final int CRC = 4;

  static final int MAX_VARINT = 10;

  /** Fixed-width part of the canonical bytes: kind, seq, timestamp, txn, prevSeq, two lengths. */
  public static final int ENTRY_FIXED = 1 + 8 + 8 + 8 + 8 + 4 + 4;

  /** A commit marker's body: the kind and the chain head after the block. */
  public static final int COMMIT_BODY = 1 + LedgerHashes.SIZE;

  /** A whole commit marker: one-byte length, body, checksum. */
  public static final int COMMIT_FRAME = 1 + COMMIT_BODY + CRC;

  /** Largest stored entry body: kind, timestamp, varints (txn, prevSeq delta, key length), data. */
  public static final int MAX_BODY =
      1 + 8 + MAX_VARINT + MAX_VARINT + 5 + Limits.MAX_KEY_SIZE + Limits.MAX_VALUE_SIZE;

  /** Largest varint a body length can need (bodies are below 2^35). */
  public static final int MAX_LENGTH_BYTES = 5;

  private static final VarHandle INTS =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

  private RecordFormat() {}

  /** A little-endian heap buffer of {@code bytes} bytes, as every ledger layout uses. */
  public static ByteBuffer allocate(int bytes) {
    return ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
  }

  /** Offset of the key in an entry's canonical bytes, after the fixed fields and key length. */
  public static final int CANONICAL_KEY = 1 + 8 + 8 + 8 + 8 + 4;

  /** The key length in the canonical bytes of an entry at {@code at}. */
  public static int canonicalKeyLength(byte[] canonical, int at) {
    return (int) INTS.get(canonical, at + CANONICAL_KEY - 4);
  }

  /** Size of an entry's canonical bytes. */
  static int entryBodySize(int keyLength, int valueLength) {
    return ENTRY_FIXED + keyLength + valueLength;
  }

  /** An upper bound of an entry's stored frame, whatever its place in the block. */
  public static long maxEntryFrame(int keyLength, int valueLength) {
    return MAX_LENGTH_BYTES + 1 + 8 + 3L * MAX_VARINT + keyLength + valueLength + CRC;
  }

  /** The canonical bytes of an entry: a new array that belongs to the caller. */
  public static byte[] canonical(
      byte kind, long seq, long timestamp, long txnId, long prevSeq, byte[] key, byte[] value) {
    ByteBuffer buf = allocate(entryBodySize(key.length, value.length));
    putCanonical(buf, kind, seq, timestamp, txnId, prevSeq, key, value);
    return buf.array();
  }

  /**
   * Writes an entry's canonical bytes at a little-endian buffer's position: {@link #entryBodySize}
   * bytes, never more than {@link #maxEntryFrame}.
   */
  public static void putCanonical(
      ByteBuffer buf,
      byte kind,
      long seq,
      long timestamp,
      long txnId,
      long prevSeq,
      byte[] key,
      byte[] value) {
    buf.put(kind).putLong(seq).putLong(timestamp).putLong(txnId).putLong(prevSeq);
    buf.putInt(key.length).put(key).putInt(value.length).put(value);
  }

  /**
   * Writes a stored entry frame at the buffer's position.
   *
   * @param back bytes from the block's first entry to this one; 0 for the first entry, which then
   *     carries {@code timestamp} and {@code txnId}
   * @param seq the entry's sequence number, used only to encode {@code prevSeq} as a delta
   * @param prevSeq the previous version's sequence number, or -1
   */
  public static void putEntry(
      ByteBuffer buf,
      byte kind,
      long back,
      long timestamp,
      long txnId,
      long seq,
      long prevSeq,
      byte[] key,
      byte[] value) {
    int keyLengthBytes = varintSize(key.length);
    long prevDelta = prevSeq < 0 ? 0 : seq - prevSeq;
    int body =
        1
            + (back == 0 ? 8 + varintSize(txnId) : varintSize(back))
            + varintSize(prevDelta)
            + keyLengthBytes
            + key.length
            + value.length;
    int start = buf.position();
    putVarint(buf, body);
    if (back == 0) {
      buf.put((byte) (kind | FIRST)).putLong(timestamp);
      putVarint(buf, txnId);
    } else {
      buf.put(kind);
      putVarint(buf, back);
    }
    putVarint(buf, prevDelta);
    putVarint(buf, key.length);
    buf.put(key).put(value);
    buf.putInt(crc(buf, start, buf.position()));
  }

  /** Writes a commit marker frame carrying the chain head after the block. */
  public static void putCommit(ByteBuffer buf, byte[] chainHead) {
    int start = buf.position();
    putVarint(buf, COMMIT_BODY);
    buf.put(COMMIT).put(chainHead);
    buf.putInt(crc(buf, start, buf.position()));
  }

  /**
   * Decodes a frame's body length at {@code at}, with {@code available} bytes readable there.
   *
   * @return {@code bodyLength << 8 | bytesOfTheVarint}; -1 when the varint runs past {@code
   *     available}; -2 when it is longer than a body length can be or overlong
   */
  public static long frameLength(ByteBuffer buf, int at, int available) {
    long value = 0;
    for (int i = 0; i < MAX_LENGTH_BYTES; i++) {
      if (i >= available) {
        return -1;
      }
      byte b = buf.get(at + i);
      value |= (long) (b & 0x7F) << (7 * i);
      if (b >= 0) {
        return b == 0 && i > 0 ? -2 : value << 8 | (i + 1);
      }
    }
    return -2;
  }

  static int varintSize(long value) {
    int bytes = 1;
    for (long v = value >>> 7; v != 0; v >>>= 7) {
      bytes++;
    }
    return bytes;
  }

  /** Unsigned LEB128. */
  static void putVarint(ByteBuffer buf, long value) {
    long v = value;
    while ((v & ~0x7FL) != 0) {
      buf.put((byte) ((v & 0x7F) | 0x80));
      v >>>= 7;
    }
    buf.put((byte) v);
  }

  /** CRC32C of {@code buf[from, to)}, not moving the buffer's position. */
  public static int crc(ByteBuffer buf, int from, int to) {
    CRC32C crc = new CRC32C();
    if (buf.hasArray()) {
      crc.update(buf.array(), buf.arrayOffset() + from, to - from);
    } else {
      ByteBuffer view = buf.duplicate();
      view.limit(to).position(from);
      crc.update(view);
    }
    return (int) crc.getValue();
  }

  /** CRC32C of {@code bytes[from, to)}. */
  public static int crc(byte[] bytes, int from, int to) {
    CRC32C crc = new CRC32C();
    crc.update(bytes, from, to - from);
    return (int) crc.getValue();
  }
}
