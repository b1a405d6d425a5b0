package dev.strata.etcd;

import io.etcd.jetcd.api.CompactionRequest;
import io.etcd.jetcd.api.CompactionResponse;
import io.etcd.jetcd.api.DeleteRangeRequest;
import io.etcd.jetcd.api.DeleteRangeResponse;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.PutResponse;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.TxnRequest;
import io.etcd.jetcd.api.TxnResponse;
import io.grpc.stub.StreamObserver;

/**
 * etcd's KV service on a cluster member: ranges and read-only txns run on this member (the {@code
 * raft} engine's reads are linearizable), writes and compaction run on the leader through the
 * {@link Forwarder}.
 */
final class RoutedKvService extends KVGrpc.KVImplBase {
  private final KvService local;
  private final Forwarder forwarder;

  RoutedKvService(KvService local, Forwarder forwarder) {
    this.local = local;
    this.forwarder = forwarder;
  }

  @Override
  public void range(RangeRequest request, StreamObserver<RangeResponse> observer) {
    local.range(request, observer);
  }

  @Override
  public void put(PutRequest request, StreamObserver<PutResponse> observer) {
    forwarder.write(
        observer, o -> local.put(request, o), ch -> KVGrpc.newBlockingStub(ch).put(request));
  }

  @Override
  public void deleteRange(
      DeleteRangeRequest request, StreamObserver<DeleteRangeResponse> observer) {
    forwarder.write(
        observer,
        o -> local.deleteRange(request, o),
        ch -> KVGrpc.newBlockingStub(ch).deleteRange(request));
  }

  @Override
  public void txn(TxnRequest request, StreamObserver<TxnResponse> observer) {
    if (KvOps.isReadOnly(request)) {
      local.txn(request, observer);
      return;
    }
    forwarder.write(
        observer, o -> local.txn(request, o), ch -> KVGrpc.newBlockingStub(ch).txn(request));
  }

  @Override
  public void compact(CompactionRequest request, StreamObserver<CompactionResponse> observer) {
    forwarder.write(
        observer,
        o -> local.compact(request, o),
        ch -> KVGrpc.newBlockingStub(ch).compact(request));
  }
}
