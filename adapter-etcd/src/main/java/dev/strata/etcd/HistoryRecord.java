package dev.strata.etcd;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.strata.api.CorruptionException;
import io.etcd.jetcd.api.KeyValue;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;

/**
 * The values of the history and live tables.
 *
 * <p>A history entry is one marker byte ({@link #PUT} or {@link #TOMBSTONE}) and the {@code
 * mvccpb.KeyValue} of the change in protobuf form (for a tombstone: the key and the revision of the
 * deletion, as etcd reports a delete event).
 *
 * <p>A live record is the key's {@code KeyValue} in protobuf form when its value has at most {@link
 * #INLINE_VALUE_BYTES}; a larger value is stored once, in the history entry of the key's last
 * change, and the live record refers to it: the byte {@link #REFERENCE}, the sub revision of that
 * change (8 bytes, big-endian; its main revision is the mod revision), and the {@code KeyValue}
 * without its value. A protobuf {@code KeyValue} always starts with its key's tag {@code 0x0A}, so
 * the first byte tells the two forms apart. Compaction never removes the referenced entry: it keeps
 * each key's last change at or below the compaction revision unless that is a deletion, and a live
 * key's last change is a put.
 */
final class HistoryRecord {
  static final byte PUT = 1;
  static final byte TOMBSTONE = 2;

  /** The first byte of a live record whose value is in its history entry. */
  static final byte REFERENCE = 1;

  /**
   * The largest value kept in the live record as well as in history: small values (configuration,
   * lock and leader keys) cost little twice and a range reads them with one lookup; larger ones are
   * written once, so a store of 1 KiB values takes about what etcd's does instead of twice that.
   */
  static final int INLINE_VALUE_BYTES = 256;

  private static final int REFERENCE_HEADER = 9;

  private HistoryRecord() {}

  static byte[] encode(boolean tombstone, KeyValue kv) {
    int size = kv.getSerializedSize();
    byte[] out = new byte[size + 1];
    out[0] = tombstone ? TOMBSTONE : PUT;
    writeTo(kv, out, 1, size);
    return out;
  }

  /** The live record of {@code kv}, whose change is sub revision {@code sub} of its revision. */
  static byte[] encodeLive(KeyValue kv, long sub) {
    if (kv.getValue().size() <= INLINE_VALUE_BYTES) {
      return kv.toByteArray();
    }
    KeyValue withoutValue = kv.toBuilder().clearValue().build();
    int size = withoutValue.getSerializedSize();
    byte[] out = new byte[REFERENCE_HEADER + size];
    ByteBuffer.wrap(out).put(REFERENCE).putLong(sub);
    writeTo(withoutValue, out, REFERENCE_HEADER, size);
    return out;
  }

  private static void writeTo(KeyValue kv, byte[] out, int offset, int size) {
    CodedOutputStream stream = CodedOutputStream.newInstance(out, offset, size);
    try {
      kv.writeTo(stream);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot serialize a KeyValue into an array", e);
    }
    stream.checkNoSpaceLeft();
  }

  static boolean isTombstone(byte[] record) {
    return record[0] == TOMBSTONE;
  }

  static KeyValue keyValue(byte[] record) {
    try {
      return KeyValue.parseFrom(ByteBuffer.wrap(record, 1, record.length - 1));
    } catch (InvalidProtocolBufferException e) {
      throw new CorruptionException("etcd history record does not parse: " + e.getMessage());
    }
  }

  /** Whether a live record leaves its value to the history entry it refers to. */
  static boolean isReference(byte[] live) {
    return live[0] == REFERENCE;
  }

  /** The sub revision of the history entry a reference record refers to. */
  static long referenceSub(byte[] live) {
    return ByteBuffer.wrap(live, 1, 8).getLong();
  }

  /**
   * The {@code KeyValue} of a live record; without its value when the record is a reference ({@link
   * MvccView#live} fetches it).
   */
  static KeyValue current(byte[] live) {
    try {
      return isReference(live)
          ? KeyValue.parseFrom(
              ByteBuffer.wrap(live, REFERENCE_HEADER, live.length - REFERENCE_HEADER))
          : KeyValue.parseFrom(live);
    } catch (InvalidProtocolBufferException e) {
      throw new CorruptionException("etcd key record does not parse: " + e.getMessage());
    }
  }
}
