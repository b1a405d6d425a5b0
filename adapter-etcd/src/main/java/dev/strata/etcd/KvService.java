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
import io.etcd.jetcd.api.ResponseHeader;
import io.etcd.jetcd.api.TxnRequest;
import io.etcd.jetcd.api.TxnResponse;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

/**
 * etcd's KV service: every write request is one revision of a group-committed batch ({@link
 * MvccStore#write}); reads run on committed snapshots.
 */
final class KvService extends KVGrpc.KVImplBase {
  private final MvccStore store;
  private final Headers headers;
  private final RequestChecks checks;
  private final boolean asyncPuts;

  /**
   * @param asyncPuts whether a Put called by gRPC queues its write and returns, to be answered by
   *     the thread that commits its batch ({@link MvccStore#writeAsync}); a Put called directly (by
   *     {@link LocalClient}, which needs the answer before the call returns) always waits
   */
  KvService(MvccStore store, Headers headers, RequestChecks checks, boolean asyncPuts) {
    this.store = store;
    this.headers = headers;
    this.checks = checks;
    this.asyncPuts = asyncPuts;
  }

  @Override
  public void range(RangeRequest request, StreamObserver<RangeResponse> observer) {
    Calls.unary(
        observer,
        () -> {
          checks.checkRange(request);
          RangeResponse response = store.read(view -> KvOps.range(view, request));
          return response.toBuilder().setHeader(headers.fill(response.getHeader())).build();
        });
  }

  @Override
  public void put(PutRequest request, StreamObserver<PutResponse> observer) {
    if (asyncPuts && observer instanceof ServerCallStreamObserver) {
      putAsync(request, observer);
      return;
    }
    Calls.unary(
        observer,
        () -> {
          checks.checkPut(request);
          checks.checkSize(request);
          PutResponse response =
              store.write(write -> KvOps.put(write, request, true), request.getSerializedSize());
          return response.toBuilder().setHeader(headers.fill(response.getHeader())).build();
        });
  }

  /** A Put that never blocks its thread: the batch's committing thread answers it. */
  private void putAsync(PutRequest request, StreamObserver<PutResponse> observer) {
    try {
      checks.checkPut(request);
      checks.checkSize(request);
    } catch (RuntimeException e) {
      observer.onError(Calls.toStatus(e));
      return;
    }
    store.writeAsync(
        write -> KvOps.put(write, request, true),
        request.getSerializedSize(),
        (response, failure) -> {
          if (failure != null) {
            observer.onError(Calls.toStatus(failure));
            return;
          }
          PutResponse answer;
          try {
            answer = response.toBuilder().setHeader(headers.fill(response.getHeader())).build();
          } catch (RuntimeException e) {
            observer.onError(Calls.toStatus(e));
            return;
          }
          observer.onNext(answer);
          observer.onCompleted();
        });
  }

  @Override
  public void deleteRange(
      DeleteRangeRequest request, StreamObserver<DeleteRangeResponse> observer) {
    Calls.unary(
        observer,
        () -> {
          checks.checkDelete(request);
          checks.checkSize(request);
          DeleteRangeResponse response =
              store.write(write -> KvOps.delete(write, request), request.getSerializedSize());
          return response.toBuilder().setHeader(headers.fill(response.getHeader())).build();
        });
  }

  @Override
  public void txn(TxnRequest request, StreamObserver<TxnResponse> observer) {
    Calls.unary(
        observer,
        () -> {
          checks.checkTxn(request);
          TxnResponse response;
          if (KvOps.isReadOnly(request)) {
            response =
                store.read(
                    view ->
                        KvOps.txn(view, request).toBuilder()
                            .setHeader(ResponseHeader.newBuilder().setRevision(view.revision()))
                            .build());
          } else {
            checks.checkSize(request);
            response =
                store.write(
                    write ->
                        KvOps.txn(write, request).toBuilder()
                            .setHeader(ResponseHeader.newBuilder().setRevision(write.revision()))
                            .build(),
                    request.getSerializedSize());
          }
          return response.toBuilder().setHeader(headers.fill(response.getHeader())).build();
        });
  }

  @Override
  public void compact(CompactionRequest request, StreamObserver<CompactionResponse> observer) {
    Calls.unary(
        observer,
        () -> {
          store.compact(request.getRevision());
          return CompactionResponse.newBuilder().setHeader(headers.current()).build();
        });
  }
}
