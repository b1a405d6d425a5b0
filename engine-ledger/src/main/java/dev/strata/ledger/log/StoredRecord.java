package dev.strata.ledger.log;

import dev.strata.api.Limits;
import dev.strata.ledger.format.LedgerHashes;
import dev.strata.ledger.format.RecordFormat;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * One stored record (entry or commit marker), decoded once from a buffer, plus the context the
 * stored form leaves out: the sequence number (from the reader's position in the ledger) and, for
 * an entry that is not the first of its block, the block's timestamp and txn id (from the scanner,
 * or read lazily from the block's first entry). {@link #key()} and {@link #value()} copy; {@link
 * #canonicalArray()} rebuilds the canonical bytes in a buffer of this view's own. A view handed out
 * by {@link LogScanner} is valid until the scanner advances. Not thread-safe.
 */
public final class StoredRecord {
  /** Timestamp and txn id of a non-first entry whose block has not been read yet. */
  static final long UNKNOWN = Long.MIN_VALUE;

  private static final VarHandle LONG =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle INT =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

  ByteBuffer buf;
  // The buffer's array and the array index of its byte 0: every record is decoded from a heap
  // buffer, and plain array reads cost less than the buffer's checked gets on the verify path.
  private byte[] bytes;
  private int base;

  /** Log position of the record. */
  public long position;

  /** Sequence number of an entry; for a commit marker, the ledger size after its block. */
  public long seq;

  /** Bytes from the block's first entry to this one; 0 for a first entry and a marker. */
  long back;

  /** Commit time of the record's block, or {@code UNKNOWN} until read from its first entry. */
  public long timestamp;

  /** Transaction id of the record's block, or {@code UNKNOWN} until read from its first entry. */
  public long txnId;

  /** Where to read the block's first entry when timestamp and txn id are still unknown. */
  SegmentLog source;

  private int frameLength;
  private byte kind;
  private boolean first;
  private long prevDelta;
  private int keyOff;
  private int keyLen;
  private int valueLen;
  private int headOff;
  private int cursor;
  private byte[] scratch = new byte[0];

  /**
   * Decodes the frame starting at {@code frame}, whose checksum the caller has checked.
   *
   * @return why the body is malformed, or null when it is well-formed
   */
  String parse(ByteBuffer buf, int frame, int lengthBytes, int bodyLength, long position) {
    this.buf = buf;
    this.bytes = buf.array();
    this.base = buf.arrayOffset();
    this.position = position;
    this.frameLength = lengthBytes + bodyLength + RecordFormat.CRC;
    this.source = null;
    int p = frame + lengthBytes;
    int end = p + bodyLength;
    byte stored = bytes[base + p];
    first = (stored & RecordFormat.FIRST) != 0;
    kind = (byte) (stored & ~RecordFormat.FIRST);
    back = 0;
    if (kind == RecordFormat.COMMIT) {
      headOff = p + 1;
      return !first && bodyLength == RecordFormat.COMMIT_BODY
          ? null
          : "commit marker of " + bodyLength + " bytes";
    }
    if (kind != RecordFormat.PUT && kind != RecordFormat.DELETE) {
      return "unknown record kind " + stored;
    }
    cursor = p + 1;
    if (first) {
      if (end - cursor < 8) {
        return "first entry of a block of " + bodyLength + " bytes";
      }
      timestamp = (long) LONG.get(bytes, base + cursor);
      cursor += 8;
      txnId = varint(end);
    } else {
      back = varint(end);
      timestamp = UNKNOWN;
      txnId = UNKNOWN;
    }
    prevDelta = varint(end);
    long keyLength = varint(end);
    if (cursor < 0) {
      return "malformed varint in an entry of " + bodyLength + " bytes";
    }
    if (!first && back < 1) {
      return "entry pointing " + back + " bytes back to its block";
    }
    if (first && txnId < 1) {
      return "txn id " + txnId;
    }
    if (keyLength < 1 || keyLength > Limits.MAX_KEY_SIZE || keyLength > end - cursor) {
      return "key length " + keyLength + " in a body of " + bodyLength + " bytes";
    }
    keyLen = (int) keyLength;
    keyOff = cursor;
    valueLen = end - keyOff - keyLen;
    if (valueLen > Limits.MAX_VALUE_SIZE) {
      return "value of " + valueLen + " bytes";
    }
    if (kind == RecordFormat.DELETE && valueLen != 0) {
      return "delete carrying a " + valueLen + "-byte value";
    }
    return null;
  }

  /** Reads an unsigned LEB128 varint at the cursor; sets the cursor to -1 when it is malformed. */
  private long varint(int end) {
    if (cursor >= 0 && cursor < end) {
      byte b = bytes[base + cursor];
      if (b >= 0) {
        cursor++;
        return b;
      }
    }
    long value = 0;
    for (int shift = 0; cursor >= 0 && cursor < end && shift < 64; shift += 7) {
      byte b = bytes[base + cursor++];
      value |= (long) (b & 0x7F) << shift;
      if (b >= 0) {
        // An overlong encoding (a zero last byte after others) would give one value two forms.
        if (b == 0 && shift > 0) {
          break;
        }
        return value;
      }
    }
    cursor = -1;
    return 0;
  }

  /** An independent copy of this view (sharing the read-only buffer). */
  public StoredRecord copy() {
    StoredRecord c = new StoredRecord();
    c.buf = buf;
    c.bytes = bytes;
    c.base = base;
    c.position = position;
    c.seq = seq;
    c.back = back;
    c.timestamp = timestamp;
    c.txnId = txnId;
    c.source = source;
    c.frameLength = frameLength;
    c.kind = kind;
    c.first = first;
    c.prevDelta = prevDelta;
    c.keyOff = keyOff;
    c.keyLen = keyLen;
    c.valueLen = valueLen;
    c.headOff = headOff;
    return c;
  }

  /**
   * The canonical kind: {@link RecordFormat#PUT}, {@link RecordFormat#DELETE} or {@link
   * RecordFormat#COMMIT}.
   */
  public byte kind() {
    return kind;
  }

  /** Whether the record is a commit marker. */
  public boolean isCommit() {
    return kind == RecordFormat.COMMIT;
  }

  /** Whether this entry opens its block (and carries the block's timestamp and txn id). */
  public boolean isFirst() {
    return first;
  }

  /** Bytes the record occupies on disk, frame included. */
  public int frameLength() {
    return frameLength;
  }

  /** The entry's sequence number. */
  public long seq() {
    return seq;
  }

  /** The entry's commit time, read from its block's first entry when the record omits it. */
  public long timestamp() {
    resolveBlock();
    return timestamp;
  }

  /** The entry's transaction id, read from its block's first entry when the record omits it. */
  public long txnId() {
    resolveBlock();
    return txnId;
  }

  private void resolveBlock() {
    if (timestamp == UNKNOWN) {
      source.resolveBlock(this);
    }
  }

  /**
   * The previous version's sequence number, -1 for none, or -2 when the stored delta reaches before
   * entry 0 (which no writer produces).
   */
  public long prevSeq() {
    if (prevDelta == 0) {
      return -1;
    }
    return prevDelta > seq ? -2 : seq - prevDelta;
  }

  /** A copy of the entry's key. */
  public byte[] key() {
    byte[] key = new byte[keyLen];
    buf.get(keyOff, key);
    return key;
  }

  /** Whether the entry's key equals {@code key}, without copying it. */
  public boolean keyEquals(byte[] key) {
    if (keyLen != key.length) {
      return false;
    }
    int from = buf.arrayOffset() + keyOff;
    return Arrays.equals(buf.array(), from, from + keyLen, key, 0, keyLen);
  }

  /** A copy of the entry's value (empty for a delete). */
  public byte[] value() {
    byte[] value = new byte[valueLen];
    buf.get(keyOff + keyLen, value);
    return value;
  }

  /** Whether this commit marker carries the chain head {@code head}. */
  public boolean commitHeadEquals(byte[] head) {
    return commitHeadEquals(head, 0);
  }

  /** Whether this commit marker carries the chain head held in {@code head} at {@code offset}. */
  public boolean commitHeadEquals(byte[] head, int offset) {
    int from = buf.arrayOffset() + headOff;
    return Arrays.equals(
        buf.array(), from, from + LedgerHashes.SIZE, head, offset, offset + LedgerHashes.SIZE);
  }

  /** Length of the canonical bytes. */
  public int canonicalLength() {
    return RecordFormat.ENTRY_FIXED + keyLen + valueLen;
  }

  /**
   * Rebuilds the canonical bytes into this view's own array, valid until the next call on this
   * view; they fill {@code [0, canonicalLength())}.
   */
  public byte[] canonicalArray() {
    int length = canonicalLength();
    if (scratch.length < length) {
      scratch = new byte[Math.max(length, 2 * scratch.length)];
    }
    canonicalInto(scratch, 0);
    return scratch;
  }

  /** Writes the canonical bytes to {@code dst} at {@code offset}; the caller owns {@code dst}. */
  public void canonicalInto(byte[] dst, int offset) {
    dst[offset] = kind;
    LONG.set(dst, offset + 1, seq);
    LONG.set(dst, offset + 9, timestamp());
    LONG.set(dst, offset + 17, txnId);
    LONG.set(dst, offset + 25, prevSeq());
    INT.set(dst, offset + 33, keyLen);
    System.arraycopy(bytes, base + keyOff, dst, offset + RecordFormat.CANONICAL_KEY, keyLen);
    INT.set(dst, offset + RecordFormat.CANONICAL_KEY + keyLen, valueLen);
    System.arraycopy(
        bytes,
        base + keyOff + keyLen,
        dst,
        offset + RecordFormat.CANONICAL_KEY + 4 + keyLen,
        valueLen);
  }

  /** Whether this entry is a delete (a tombstone). */
  public boolean isDelete() {
    return kind == RecordFormat.DELETE;
  }
}
