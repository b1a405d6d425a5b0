package dev.strata.etcd;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.Compare;
import io.etcd.jetcd.api.DeleteRangeRequest;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RequestOp;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;

/**
 * The key layout, requests and errors of etcd's concurrency recipes ({@code clientv3/concurrency}),
 * which etcd's Lock and Election services run against the server's own KV: a waiter's key is the
 * lock or election name, a slash and its lease id in lower-case hex without padding, created with
 * that lease; the oldest key (lowest create revision) under {@code name/} holds the lock or leads.
 */
final class Recipes {
  /** The lease TTL of a recipe given no lease (etcd's {@code defaultSessionTTL}), in seconds. */
  static final long SESSION_TTL_SECONDS = 60;

  private Recipes() {}

  /** {@code name/}: the prefix under which the waiters of one lock or election keep their keys. */
  static ByteString prefix(ByteString name) {
    return name.concat(ByteString.copyFromUtf8("/"));
  }

  /** A waiter's key: its prefix and lease id in hex, as etcd's {@code fmt.Sprintf("%s%x")}. */
  static ByteString waiterKey(ByteString prefix, long lease) {
    // Go prints a negative int64 as a minus sign and the magnitude.
    String hex = lease < 0 ? "-" + Long.toHexString(-lease) : Long.toHexString(lease);
    return prefix.concat(ByteString.copyFrom(hex, StandardCharsets.US_ASCII));
  }

  /**
   * The end of a prefix range (clientv3's {@code GetPrefixRangeEnd}): the prefix with its last byte
   * below {@code 0xff} raised by one and what follows dropped; {@code "\0"} (every key from the
   * prefix on) when there is none.
   */
  static ByteString prefixEnd(ByteString prefix) {
    byte[] end = prefix.toByteArray();
    for (int i = end.length - 1; i >= 0; i--) {
      if (end[i] != (byte) 0xff) {
        end[i]++;
        return ByteString.copyFrom(end, 0, i + 1);
      }
    }
    return ByteString.copyFrom(new byte[] {0});
  }

  /** The key under {@code prefix} with the lowest create revision: the holder or leader. */
  static RangeRequest firstCreated(ByteString prefix) {
    return byCreateRevision(prefix, RangeRequest.SortOrder.ASCEND).build();
  }

  /**
   * The key under {@code prefix} with the highest create revision at or below {@code
   * maxCreateRevision}: the waiter just ahead of one whose key was created after it.
   */
  static RangeRequest lastCreatedUpTo(ByteString prefix, long maxCreateRevision) {
    return byCreateRevision(prefix, RangeRequest.SortOrder.DESCEND)
        .setMaxCreateRevision(maxCreateRevision)
        .build();
  }

  private static RangeRequest.Builder byCreateRevision(
      ByteString prefix, RangeRequest.SortOrder order) {
    return RangeRequest.newBuilder()
        .setKey(prefix)
        .setRangeEnd(prefixEnd(prefix))
        .setSortTarget(RangeRequest.SortTarget.CREATE)
        .setSortOrder(order)
        .setLimit(1);
  }

  static RangeRequest get(ByteString key) {
    return RangeRequest.newBuilder().setKey(key).build();
  }

  /** Compares the key's create revision: 0 for a key that does not exist. */
  static Compare createRevisionIs(ByteString key, long revision) {
    return Compare.newBuilder()
        .setKey(key)
        .setTarget(Compare.CompareTarget.CREATE)
        .setResult(Compare.CompareResult.EQUAL)
        .setCreateRevision(revision)
        .build();
  }

  static RequestOp putOp(ByteString key, ByteString value, long lease) {
    return RequestOp.newBuilder()
        .setRequestPut(PutRequest.newBuilder().setKey(key).setValue(value).setLease(lease))
        .build();
  }

  static RequestOp rangeOp(RangeRequest range) {
    return RequestOp.newBuilder().setRequestRange(range).build();
  }

  static RequestOp deleteOp(ByteString key) {
    return RequestOp.newBuilder()
        .setRequestDeleteRange(DeleteRangeRequest.newBuilder().setKey(key))
        .build();
  }

  /**
   * The caller no longer holds the election's key it names (concurrency's ErrElectionNotLeader).
   */
  static StatusRuntimeException notLeader() {
    return unknown("election: not leader");
  }

  /** The election has no key at all (concurrency's ErrElectionNoLeader). */
  static StatusRuntimeException noLeader() {
    return unknown("election: no leader");
  }

  /** Proclaim or Resign without a leader key (v3election's ErrMissingLeaderKey). */
  static StatusRuntimeException missingLeaderKey() {
    return unknown("\"leader\" field must be provided");
  }

  /**
   * The waiter's key vanished while it waited, its lease having expired or been revoked
   * (concurrency's ErrSessionExpired).
   */
  static StatusRuntimeException sessionExpired() {
    return unknown("mutex: session is expired");
  }

  /**
   * etcd's Lock and Election services return these as plain errors, which gRPC sends with the code
   * {@code UNKNOWN}; clients match them on the message.
   */
  private static StatusRuntimeException unknown(String message) {
    return Status.UNKNOWN.withDescription(message).asRuntimeException();
  }
}
