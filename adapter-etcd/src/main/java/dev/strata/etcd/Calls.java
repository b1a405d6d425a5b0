package dev.strata.etcd;

import dev.strata.api.StorageException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.function.Supplier;

/** Completes a unary call with the response, or with the gRPC status of what went wrong. */
final class Calls {
  private static final System.Logger LOG = System.getLogger(Calls.class.getName());

  private Calls() {}

  static <T> void unary(StreamObserver<T> observer, Supplier<T> work) {
    T response;
    try {
      response = work.get();
    } catch (RuntimeException e) {
      observer.onError(toStatus(e));
      return;
    }
    observer.onNext(response);
    observer.onCompleted();
  }

  /** etcd errors pass as they are; engine failures become INTERNAL without hiding their cause. */
  static StatusRuntimeException toStatus(Throwable e) {
    if (e instanceof StatusRuntimeException s) {
      return s;
    }
    if (e instanceof StorageException) {
      LOG.log(System.Logger.Level.ERROR, "storage engine failure", e);
      return Status.INTERNAL
          .withDescription("strata-etcd: storage engine failure: " + e.getMessage())
          .asRuntimeException();
    }
    LOG.log(System.Logger.Level.ERROR, "request failed", e);
    return Status.INTERNAL
        .withDescription("strata-etcd: " + e.getClass().getSimpleName() + ": " + e.getMessage())
        .asRuntimeException();
  }
}
