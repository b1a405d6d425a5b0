package dev.strata.raft;

import dev.strata.api.CorruptionException;
import dev.strata.api.spi.WriteOverlay;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.UUID;
import java.util.zip.CRC32C;

/**
 * One Raft log entry: the puts and deletes of one or more committed write transactions (group
 * commit), merged in commit order to the last write of each key, in key order, plus what every
 * replica needs to apply them identically. An entry is applied as one local transaction, so each
 * transaction in it is atomic.
 *
 * <p>Layout, little-endian: magic {@code "SRTX"}, format version (1 byte), proposer term (8), base
 * data index (8), transaction id (16), logical bytes (8), operation count (4), then per operation
 * kind (1: 1 put, 2 delete), key length (4), key, and for a put value length (4) and value; last a
 * CRC32C (4) of everything before it. A replica that reads a bad checksum refuses to apply the
 * entry ({@link CorruptionException}) rather than apply part of it.
 *
 * <p>Immutable once built; the arrays it holds are its own.
 */
final class WriteBatch {
  static final int MAGIC = 0x58545253; // "SRTX" read little-endian
  static final byte VERSION = 1;
  static final byte PUT = 1;
  static final byte DELETE = 2;
  private static final int HEADER = 4 + 1 + 8 + 8 + 16 + 8 + 4;

  /** One put (value non-null) or delete (value null). */
  record Op(byte[] key, byte[] value) {}

  final long proposerTerm;
  final long baseDataIndex;
  final UUID txnId;
  final long logicalBytes;
  final List<Op> ops;

  WriteBatch(long proposerTerm, long baseDataIndex, UUID txnId, long logicalBytes, List<Op> ops) {
    this.proposerTerm = proposerTerm;
    this.baseDataIndex = baseDataIndex;
    this.txnId = txnId;
    this.logicalBytes = logicalBytes;
    this.ops = ops;
  }

  /**
   * The size {@link #encode()} gives a batch of these writes: key to value, or to {@code
   * WriteOverlay.TOMBSTONE} for a delete.
   */
  static long encodedSize(NavigableMap<byte[], byte[]> writes) {
    long size = HEADER + 4L;
    for (Map.Entry<byte[], byte[]> e : writes.entrySet()) {
      byte[] v = e.getValue();
      size += 1 + 4 + e.getKey().length + (v == WriteOverlay.TOMBSTONE ? 0 : 4 + v.length);
    }
    return size;
  }

  /** The operations of these writes (see {@link #encodedSize}), in key order; arrays shared. */
  static List<Op> ops(NavigableMap<byte[], byte[]> writes) {
    List<Op> ops = new ArrayList<>(writes.size());
    for (Map.Entry<byte[], byte[]> e : writes.entrySet()) {
      byte[] v = e.getValue();
      ops.add(new Op(e.getKey(), v == WriteOverlay.TOMBSTONE ? null : v));
    }
    return ops;
  }

  /** Encodes the batch; the returned array is new. */
  byte[] encode() {
    long size = HEADER + 4L;
    for (Op op : ops) {
      size += 1 + 4 + op.key.length + (op.value == null ? 0 : 4 + op.value.length);
    }
    if (size > Integer.MAX_VALUE - 16) {
      throw new IllegalArgumentException(
          "a transaction's writes must encode to at most 2 GiB, got " + size + " bytes");
    }
    ByteBuffer b = ByteBuffer.allocate((int) size).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(MAGIC).put(VERSION).putLong(proposerTerm).putLong(baseDataIndex);
    b.putLong(txnId.getMostSignificantBits()).putLong(txnId.getLeastSignificantBits());
    b.putLong(logicalBytes).putInt(ops.size());
    for (Op op : ops) {
      b.put(op.value == null ? DELETE : PUT).putInt(op.key.length).put(op.key);
      if (op.value != null) {
        b.putInt(op.value.length).put(op.value);
      }
    }
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 0, b.position());
    b.putInt((int) crc.getValue());
    return b.array();
  }

  /**
   * Decodes and checks an entry.
   *
   * @param data the entry's bytes; read, not kept
   * @param where the log position, for the message
   * @throws CorruptionException if the magic, version, lengths or checksum are wrong
   */
  static WriteBatch decode(ByteBuffer data, String where) {
    ByteBuffer b = data.slice().order(ByteOrder.LITTLE_ENDIAN);
    if (b.remaining() < HEADER + 4) {
      throw new CorruptionException("raft log entry " + where + " is too short: " + b.remaining());
    }
    CRC32C crc = new CRC32C();
    ByteBuffer body = b.duplicate();
    body.limit(b.limit() - 4);
    crc.update(body);
    int stored = b.getInt(b.limit() - 4);
    if (stored != (int) crc.getValue()) {
      throw new CorruptionException("raft log entry " + where + " fails its CRC32C");
    }
    try {
      if (b.getInt() != MAGIC) {
        throw new CorruptionException("raft log entry " + where + " is not a Strata write batch");
      }
      byte version = b.get();
      if (version != VERSION) {
        throw new CorruptionException(
            "raft log entry " + where + " has write batch version " + version);
      }
      long term = b.getLong();
      long base = b.getLong();
      UUID id = new UUID(b.getLong(), b.getLong());
      long logical = b.getLong();
      int count = b.getInt();
      if (count < 0) {
        throw new CorruptionException("raft log entry " + where + " has a negative count");
      }
      List<Op> ops = new ArrayList<>(Math.min(count, 1 << 16));
      for (int i = 0; i < count; i++) {
        byte kind = b.get();
        byte[] key = new byte[b.getInt()];
        b.get(key);
        byte[] value = null;
        if (kind == PUT) {
          value = new byte[b.getInt()];
          b.get(value);
        } else if (kind != DELETE) {
          throw new CorruptionException(
              "raft log entry " + where + " has operation kind " + kind + " at " + i);
        }
        ops.add(new Op(key, value));
      }
      if (b.remaining() != 4) {
        throw new CorruptionException("raft log entry " + where + " has trailing bytes");
      }
      return new WriteBatch(term, base, id, logical, ops);
    } catch (BufferUnderflowException | NegativeArraySizeException e) {
      throw new CorruptionException("raft log entry " + where + " is truncated", e);
    }
  }
}
