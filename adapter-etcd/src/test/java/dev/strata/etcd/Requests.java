package dev.strata.etcd;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.Compare;
import io.etcd.jetcd.api.DeleteRangeRequest;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RequestOp;
import java.nio.charset.StandardCharsets;

/** Short builders for etcd requests in tests. */
final class Requests {
  private Requests() {}

  static ByteString bs(String s) {
    return ByteString.copyFrom(s, StandardCharsets.UTF_8);
  }

  static PutRequest put(String key, String value) {
    return PutRequest.newBuilder().setKey(bs(key)).setValue(bs(value)).build();
  }

  static RangeRequest get(String key) {
    return RangeRequest.newBuilder().setKey(bs(key)).build();
  }

  static RangeRequest range(String key, String end) {
    return RangeRequest.newBuilder().setKey(bs(key)).setRangeEnd(bs(end)).build();
  }

  static RangeRequest prefix(String prefix) {
    byte[] end = prefix.getBytes(StandardCharsets.UTF_8);
    end[end.length - 1]++;
    return RangeRequest.newBuilder()
        .setKey(bs(prefix))
        .setRangeEnd(ByteString.copyFrom(end))
        .build();
  }

  static DeleteRangeRequest delete(String key) {
    return DeleteRangeRequest.newBuilder().setKey(bs(key)).build();
  }

  static RequestOp op(PutRequest put) {
    return RequestOp.newBuilder().setRequestPut(put).build();
  }

  static RequestOp op(RangeRequest range) {
    return RequestOp.newBuilder().setRequestRange(range).build();
  }

  static RequestOp op(DeleteRangeRequest delete) {
    return RequestOp.newBuilder().setRequestDeleteRange(delete).build();
  }

  static Compare versionEquals(String key, long version) {
    return Compare.newBuilder()
        .setKey(bs(key))
        .setTarget(Compare.CompareTarget.VERSION)
        .setResult(Compare.CompareResult.EQUAL)
        .setVersion(version)
        .build();
  }

  static String str(ByteString b) {
    return b.toStringUtf8();
  }
}
