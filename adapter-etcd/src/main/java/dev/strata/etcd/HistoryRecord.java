package dev.strata.etcd;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.strata.api.CorruptionException;
import io.etcd.jetcd.api.KeyValue;

/**
 * The value of a history entry: one marker byte ({@link #PUT} or {@link #TOMBSTONE}) and the {@code
 * mvccpb.KeyValue} of the change in protobuf form (for a tombstone: the key and the revision of the
 * deletion, as etcd reports a delete event).
 */
final class HistoryRecord {
  static final byte PUT = 1;
  static final byte TOMBSTONE = 2;

  private HistoryRecord() {}

  static byte[] encode(boolean tombstone, KeyValue kv) {
    byte[] body = kv.toByteArray();
    byte[] out = new byte[body.length + 1];
    out[0] = tombstone ? TOMBSTONE : PUT;
    System.arraycopy(body, 0, out, 1, body.length);
    return out;
  }

  static boolean isTombstone(byte[] record) {
    return record[0] == TOMBSTONE;
  }

  static KeyValue keyValue(byte[] record) {
    try {
      return KeyValue.parseFrom(java.nio.ByteBuffer.wrap(record, 1, record.length - 1));
    } catch (InvalidProtocolBufferException e) {
      throw new CorruptionException("etcd history record does not parse: " + e.getMessage());
    }
  }

  static KeyValue current(byte[] value) {
    try {
      return KeyValue.parseFrom(value);
    } catch (InvalidProtocolBufferException e) {
      throw new CorruptionException("etcd key record does not parse: " + e.getMessage());
    }
  }
}
