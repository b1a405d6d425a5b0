package dev.strata.etcd;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * The gRPC errors an etcd v3 server returns, with etcd's own codes and messages, so that clients
 * which match on them (jetcd, etcdctl, clientv3) behave as against etcd.
 */
final class EtcdErrors {
  private EtcdErrors() {}

  static StatusRuntimeException emptyKey() {
    return error(Status.Code.INVALID_ARGUMENT, "etcdserver: key is not provided");
  }

  static StatusRuntimeException keyNotFound() {
    return error(Status.Code.INVALID_ARGUMENT, "etcdserver: key not found");
  }

  static StatusRuntimeException valueProvided() {
    return error(Status.Code.INVALID_ARGUMENT, "etcdserver: value is provided");
  }

  static StatusRuntimeException leaseProvided() {
    return error(Status.Code.INVALID_ARGUMENT, "etcdserver: lease is provided");
  }

  static StatusRuntimeException tooManyOps() {
    return error(Status.Code.INVALID_ARGUMENT, "etcdserver: too many operations in txn request");
  }

  static StatusRuntimeException duplicateKey() {
    return error(Status.Code.INVALID_ARGUMENT, "etcdserver: duplicate key given in txn request");
  }

  static StatusRuntimeException invalidSortOption() {
    return error(Status.Code.INVALID_ARGUMENT, "etcdserver: invalid sort option");
  }

  static StatusRuntimeException requestTooLarge() {
    return error(Status.Code.INVALID_ARGUMENT, "etcdserver: request is too large");
  }

  static StatusRuntimeException compacted() {
    return error(
        Status.Code.OUT_OF_RANGE, "etcdserver: mvcc: required revision has been compacted");
  }

  static StatusRuntimeException futureRevision() {
    return error(
        Status.Code.OUT_OF_RANGE, "etcdserver: mvcc: required revision is a future revision");
  }

  static StatusRuntimeException leaseNotFound() {
    return error(Status.Code.NOT_FOUND, "etcdserver: requested lease not found");
  }

  static StatusRuntimeException leaseExists() {
    return error(Status.Code.FAILED_PRECONDITION, "etcdserver: lease already exists");
  }

  static StatusRuntimeException leaseTtlTooLarge() {
    return error(Status.Code.OUT_OF_RANGE, "etcdserver: too large lease TTL");
  }

  /** A key longer than {@link KeyLayout#MAX_KEY_BYTES}: a limit of Strata, not of etcd. */
  static StatusRuntimeException keyTooLarge(int length) {
    return error(
        Status.Code.INVALID_ARGUMENT,
        "etcdserver: key is too large ("
            + length
            + " bytes; strata-etcd stores keys up to "
            + KeyLayout.MAX_KEY_BYTES
            + " bytes)");
  }

  static StatusRuntimeException notSupported(String what) {
    return error(Status.Code.UNIMPLEMENTED, "strata-etcd: " + what + " is not supported");
  }

  /** A membership error, with etcd's code and message ({@code rpctypes.ErrGRPCMember*}). */
  static StatusRuntimeException member(Status.Code code, String message) {
    return error(code, message);
  }

  private static StatusRuntimeException error(Status.Code code, String message) {
    return code.toStatus().withDescription(message).asRuntimeException();
  }
}
