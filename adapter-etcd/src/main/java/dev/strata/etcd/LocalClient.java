package dev.strata.etcd;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.DeleteRangeRequest;
import io.etcd.jetcd.api.DeleteRangeResponse;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.LeaseGrantRequest;
import io.etcd.jetcd.api.LeaseGrantResponse;
import io.etcd.jetcd.api.LeaseGrpc;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.TxnRequest;
import io.etcd.jetcd.api.TxnResponse;
import io.etcd.jetcd.api.WatchCreateRequest;
import io.etcd.jetcd.api.WatchResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.function.Consumer;

/**
 * The server's own etcd client, as etcd's {@code v3client} is for its Lock and Election services:
 * KV and lease calls go to the very service objects the server registers, so on a cluster member
 * writes are forwarded to the leader like any client's ({@link RoutedKvService}) and reads run on
 * the member; watches attach to this member's {@link WatchHub}.
 *
 * <p>Unary calls run on the caller's thread, within the caller's gRPC {@code Context} (its deadline
 * bounds a forwarded call). A failure is thrown as etcd's services built on {@code v3client} return
 * it: the message unchanged, the code {@code UNKNOWN} (the client library turns the status into a
 * plain error, which gRPC then sends as unknown), since clients such as jetcd match these errors on
 * their message. Thread-safe.
 */
final class LocalClient {
  private final KVGrpc.KVImplBase kv;
  private final LeaseGrpc.LeaseImplBase lease;
  private final WatchHub watches;

  LocalClient(KVGrpc.KVImplBase kv, LeaseGrpc.LeaseImplBase lease, WatchHub watches) {
    this.kv = kv;
    this.lease = lease;
    this.watches = watches;
  }

  TxnResponse txn(TxnRequest request) {
    return call(o -> kv.txn(request, o));
  }

  RangeResponse range(RangeRequest request) {
    return call(o -> kv.range(request, o));
  }

  DeleteRangeResponse delete(ByteString key) {
    return call(o -> kv.deleteRange(DeleteRangeRequest.newBuilder().setKey(key).build(), o));
  }

  /** Grants a lease with a server-chosen id, as etcd's concurrency session does without one. */
  long grant(long ttlSeconds) {
    LeaseGrantResponse response =
        call(o -> lease.leaseGrant(LeaseGrantRequest.newBuilder().setTTL(ttlSeconds).build(), o));
    return response.getID();
  }

  /**
   * Starts a watch on this member. {@code responses} gets every response of it, {@code created}
   * included, from whichever thread delivers it (a committing thread among them), so it must not
   * block; responses come one at a time, in order. {@code ended} gets the error that ends the watch
   * when the server stops.
   *
   * @return the handle that stops the watch; after it returns no response reaches {@code responses}
   */
  Watch watch(
      WatchCreateRequest request,
      Consumer<WatchResponse> responses,
      Consumer<StatusRuntimeException> ended) {
    WatchHub.Stream stream =
        new WatchHub.Stream(
            new StreamObserver<>() {
              @Override
              public void onNext(WatchResponse response) {
                responses.accept(response);
              }

              @Override
              public void onError(Throwable t) {
                ended.accept(Calls.toStatus(t));
              }

              @Override
              public void onCompleted() {}
            });
    // A watcher below the compaction point is cancelled at once and not kept by the hub.
    WatchHub.Watcher watcher = watches.create(stream, 0, request);
    return () -> {
      stream.end();
      if (watcher != null) {
        watches.cancel(watcher);
      }
    };
  }

  /** A running watch. */
  interface Watch {
    /** Stops the watch; idempotent. */
    void close();
  }

  /** Runs a unary service method that answers before it returns, as the KV and Lease ones do. */
  private static <T> T call(Consumer<StreamObserver<T>> method) {
    Answer<T> answer = new Answer<>();
    method.accept(answer);
    if (answer.error != null) {
      throw asUnknown(answer.error);
    }
    if (answer.value == null) {
      throw new IllegalStateException("the service returned before answering");
    }
    return answer.value;
  }

  /** etcd's errors as its {@code v3client}-based services pass them on. */
  static StatusRuntimeException asUnknown(Throwable error) {
    StatusRuntimeException status = Calls.toStatus(error);
    if (status.getStatus().getCode() == Status.Code.CANCELLED
        || status.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED) {
      // The call itself ended; its client learns that from its own side.
      return status;
    }
    return Status.UNKNOWN
        .withDescription(status.getStatus().getDescription())
        .withCause(status.getCause())
        .asRuntimeException();
  }

  /** The one answer of a unary call. */
  private static final class Answer<T> implements StreamObserver<T> {
    T value;
    Throwable error;

    @Override
    public void onNext(T v) {
      value = v;
    }

    @Override
    public void onError(Throwable t) {
      error = t;
    }

    @Override
    public void onCompleted() {}
  }
}
