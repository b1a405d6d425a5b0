package dev.strata.ledger;

import java.nio.ByteBuffer;

/**
 * A decoded view of one framed record (entry or commit marker) inside a buffer. Field accessors
 * read the little-endian body in place; {@link #key()} and {@link #value()} copy. A view handed out
 * by {@link LogScanner} is valid until the scanner advances. Not thread-safe.
 */
final class Rec {
  ByteBuffer buf;
  int body;
  int bodyLength;
  long position;

  void set(ByteBuffer buf, int body, int bodyLength, long position) {
    this.buf = buf;
    this.body = body;
    this.bodyLength = bodyLength;
    this.position = position;
  }

  byte kind() {
    return buf.get(body);
  }

  boolean isCommit() {
    return kind() == Codec.COMMIT;
  }

  /** Bytes the record occupies on disk, frame included. */
  int frameLength() {
    return bodyLength + Codec.FRAME;
  }

  long seq() {
    return buf.getLong(body + Codec.OFF_SEQ);
  }

  long timestamp() {
    return buf.getLong(body + Codec.OFF_TIMESTAMP);
  }

  long txnId() {
    return buf.getLong(body + Codec.OFF_TXN);
  }

  long prevSeq() {
    return buf.getLong(body + Codec.OFF_PREV);
  }

  int keyLength() {
    return buf.getInt(body + Codec.OFF_KEYLEN);
  }

  int valueLength() {
    return buf.getInt(body + Codec.OFF_KEY + keyLength());
  }

  byte[] key() {
    byte[] key = new byte[keyLength()];
    buf.get(body + Codec.OFF_KEY, key);
    return key;
  }

  boolean keyEquals(byte[] key) {
    if (keyLength() != key.length) {
      return false;
    }
    int from = buf.arrayOffset() + body + Codec.OFF_KEY;
    return java.util.Arrays.equals(buf.array(), from, from + key.length, key, 0, key.length);
  }

  byte[] value() {
    int keyLength = keyLength();
    byte[] value = new byte[buf.getInt(body + Codec.OFF_KEY + keyLength)];
    buf.get(body + Codec.OFF_KEY + keyLength + 4, value);
    return value;
  }

  long commitSize() {
    return buf.getLong(body + Codec.OFF_SIZE);
  }

  int commitCount() {
    return buf.getInt(body + Codec.OFF_COUNT);
  }

  byte[] commitHead() {
    byte[] head = new byte[Hashes.SIZE];
    buf.get(body + Codec.OFF_HEAD, head);
    return head;
  }

  /** The canonical bytes (the body) as a fresh view positioned on them. */
  ByteBuffer canonical() {
    ByteBuffer view = buf.duplicate();
    view.limit(body + bodyLength).position(body);
    return view;
  }

  Operation operation() {
    return kind() == Codec.PUT ? Operation.PUT : Operation.DELETE;
  }

  LedgerEntry toEntry() {
    return new LedgerEntry(seq(), timestamp(), txnId(), prevSeq(), operation(), key(), value());
  }

  /** Checks the body's internal lengths; returns a reason or null when well-formed. */
  String malformation() {
    byte kind = kind();
    if (kind == Codec.COMMIT) {
      return bodyLength == Codec.COMMIT_BODY ? null : "commit marker of " + bodyLength + " bytes";
    }
    if (kind != Codec.PUT && kind != Codec.DELETE) {
      return "unknown record kind " + kind;
    }
    if (bodyLength < Codec.ENTRY_FIXED + 1) {
      return "entry body of " + bodyLength + " bytes";
    }
    int keyLength = keyLength();
    if (keyLength < 1 || keyLength > bodyLength - Codec.ENTRY_FIXED) {
      return "key length " + keyLength + " in a body of " + bodyLength + " bytes";
    }
    int valueLength = valueLength();
    if (valueLength != bodyLength - Codec.ENTRY_FIXED - keyLength) {
      return "value length " + valueLength + " in a body of " + bodyLength + " bytes";
    }
    if (kind == Codec.DELETE && valueLength != 0) {
      return "delete carrying a " + valueLength + "-byte value";
    }
    return null;
  }
}
