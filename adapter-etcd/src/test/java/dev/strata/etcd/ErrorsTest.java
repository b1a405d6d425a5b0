package dev.strata.etcd;

import static dev.strata.etcd.KvContract.assertStatus;
import static dev.strata.etcd.Requests.bs;
import static dev.strata.etcd.Requests.delete;
import static dev.strata.etcd.Requests.get;
import static dev.strata.etcd.Requests.op;
import static dev.strata.etcd.Requests.put;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.Compare;
import io.etcd.jetcd.api.DeleteRangeRequest;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RequestOp;
import io.etcd.jetcd.api.TxnRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** Invalid requests get etcd's status and message, and change nothing. */
class ErrorsTest {
  private static final String INVALID_KEY = "etcdserver: key is not provided";

  @TempDir Path dir;
  TestServer etcd;
  KVGrpc.KVBlockingStub kv;
  long expectedRevision = 2;

  @BeforeEach
  void start() {
    etcd = TestServer.started("btree", dir.resolve("data"));
    kv = etcd.kv();
    kv.put(put("a", "1")); // revision 2
  }

  @AfterEach
  void stop() {
    assertEquals(
        expectedRevision, kv.range(get("a")).getHeader().getRevision(), "no error wrote anything");
    assertEquals("1", kv.range(get("a")).getKvs(0).getValue().toStringUtf8());
    etcd.close();
  }

  private static void expect(Status.Code code, String message, Executable call) {
    assertStatus(assertThrows(StatusRuntimeException.class, call), code, message);
  }

  @Test
  void emptyKey_inEveryRequest() {
    expect(
        Status.Code.INVALID_ARGUMENT,
        INVALID_KEY,
        () -> kv.range(RangeRequest.getDefaultInstance()));
    expect(Status.Code.INVALID_ARGUMENT, INVALID_KEY, () -> kv.put(put("", "v")));
    expect(
        Status.Code.INVALID_ARGUMENT,
        INVALID_KEY,
        () -> kv.deleteRange(DeleteRangeRequest.getDefaultInstance()));
    expect(
        Status.Code.INVALID_ARGUMENT,
        INVALID_KEY,
        () ->
            kv.txn(
                TxnRequest.newBuilder()
                    .addCompare(Compare.newBuilder().setTarget(Compare.CompareTarget.VERSION))
                    .build()));
    expect(
        Status.Code.INVALID_ARGUMENT,
        INVALID_KEY,
        () -> kv.txn(TxnRequest.newBuilder().addSuccess(op(put("", "v"))).build()));
  }

  @Test
  void emptyTxnOp_isKeyNotFound() {
    expect(
        Status.Code.INVALID_ARGUMENT,
        "etcdserver: key not found",
        () -> kv.txn(TxnRequest.newBuilder().addSuccess(RequestOp.getDefaultInstance()).build()));
  }

  @Test
  void ignoreValueWithValue_andIgnoreLeaseWithLease() {
    expect(
        Status.Code.INVALID_ARGUMENT,
        "etcdserver: value is provided",
        () -> kv.put(put("a", "2").toBuilder().setIgnoreValue(true).build()));
    expect(
        Status.Code.INVALID_ARGUMENT,
        "etcdserver: lease is provided",
        () -> kv.put(put("a", "").toBuilder().setIgnoreLease(true).setLease(7).build()));
  }

  @Test
  void ignoreValueOnMissingKey_isKeyNotFound() {
    expect(
        Status.Code.INVALID_ARGUMENT,
        "etcdserver: key not found",
        () -> kv.put(PutRequest.newBuilder().setKey(bs("nope")).setIgnoreValue(true).build()));
  }

  @Test
  void unknownLease_isNotFound_andTxnWritesNothing() {
    expect(
        Status.Code.NOT_FOUND,
        "etcdserver: requested lease not found",
        () -> kv.put(put("b", "1").toBuilder().setLease(12345).build()));
    expect(
        Status.Code.NOT_FOUND,
        "etcdserver: requested lease not found",
        () ->
            kv.txn(
                TxnRequest.newBuilder()
                    .addSuccess(op(put("b", "1")))
                    .addSuccess(op(delete("a")))
                    .addSuccess(op(put("c", "1").toBuilder().setLease(999).build()))
                    .build()));
    assertEquals(0, kv.range(get("b")).getCount());
  }

  @Test
  void tooManyOps_over128PerBranch() {
    TxnRequest.Builder txn = TxnRequest.newBuilder();
    for (int i = 0; i < 129; i++) {
      txn.addSuccess(op(put("k" + i, "v")));
    }
    expect(
        Status.Code.INVALID_ARGUMENT,
        "etcdserver: too many operations in txn request",
        () -> kv.txn(txn.build()));
    TxnRequest.Builder compares = TxnRequest.newBuilder();
    for (int i = 0; i < 129; i++) {
      compares.addCompare(Requests.versionEquals("k" + i, 0));
    }
    expect(
        Status.Code.INVALID_ARGUMENT,
        "etcdserver: too many operations in txn request",
        () -> kv.txn(compares.build()));
  }

  @Test
  void duplicateKeys_inOneBranch() {
    String message = "etcdserver: duplicate key given in txn request";
    expect(
        Status.Code.INVALID_ARGUMENT,
        message,
        () ->
            kv.txn(
                TxnRequest.newBuilder()
                    .addSuccess(op(put("x", "1")))
                    .addSuccess(op(put("x", "2")))
                    .build()));
    expect(
        Status.Code.INVALID_ARGUMENT,
        message,
        () ->
            kv.txn(
                TxnRequest.newBuilder()
                    .addFailure(op(KvContract.deleteRange("w", "y")))
                    .addFailure(op(put("x", "2")))
                    .build()));
    TxnRequest nested =
        TxnRequest.newBuilder().addSuccess(op(put("x", "1"))).addFailure(op(put("x", "2"))).build();
    expect(
        Status.Code.INVALID_ARGUMENT,
        message,
        () ->
            kv.txn(
                TxnRequest.newBuilder()
                    .addSuccess(RequestOp.newBuilder().setRequestTxn(nested))
                    .addSuccess(op(put("x", "3")))
                    .build()));
  }

  @Test
  void sameKeyInBothBranchesOfNestedTxn_isAllowed() {
    TxnRequest nested =
        TxnRequest.newBuilder()
            .addCompare(Requests.versionEquals("zz", 5))
            .addSuccess(op(get("a")))
            .addFailure(op(get("a")))
            .build();
    kv.txn(
        TxnRequest.newBuilder()
            .addSuccess(RequestOp.newBuilder().setRequestTxn(nested))
            .addSuccess(op(get("a")))
            .build());
  }

  @Test
  void requestTooLarge_overOnePointFiveMiB() {
    ByteString big = ByteString.copyFrom(new byte[1536 * 1024]);
    expect(
        Status.Code.INVALID_ARGUMENT,
        "etcdserver: request is too large",
        () -> kv.put(PutRequest.newBuilder().setKey(bs("big")).setValue(big).build()));
    StatusRuntimeException overGrpcLimit =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                kv.put(
                    PutRequest.newBuilder()
                        .setKey(bs("big"))
                        .setValue(ByteString.copyFrom(new byte[2200 * 1024]))
                        .build()));
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, overGrpcLimit.getStatus().getCode());
    kv.put(
        PutRequest.newBuilder()
            .setKey(bs("fits"))
            .setValue(ByteString.copyFrom(new byte[1400 * 1024]))
            .build());
    expectedRevision = 3;
  }

  @Test
  void futureAndCompactedRevision_inTxnRange() {
    expect(
        Status.Code.OUT_OF_RANGE,
        "etcdserver: mvcc: required revision is a future revision",
        () ->
            kv.txn(
                TxnRequest.newBuilder()
                    .addSuccess(op(put("b", "1")))
                    .addSuccess(op(get("a").toBuilder().setRevision(3).build()))
                    .build()));
  }

  @Test
  void keyBeyondStrataLimit_isRejectedClearly() {
    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                kv.put(
                    PutRequest.newBuilder()
                        .setKey(ByteString.copyFrom(new byte[KeyLayout.MAX_KEY_BYTES + 1]))
                        .build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
  }
}
