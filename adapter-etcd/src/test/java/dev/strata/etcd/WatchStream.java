package dev.strata.etcd;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.etcd.jetcd.api.WatchCancelRequest;
import io.etcd.jetcd.api.WatchCreateRequest;
import io.etcd.jetcd.api.WatchGrpc;
import io.etcd.jetcd.api.WatchProgressRequest;
import io.etcd.jetcd.api.WatchRequest;
import io.etcd.jetcd.api.WatchResponse;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A raw watch stream whose responses queue up for the test to take. */
final class WatchStream implements AutoCloseable {
  final BlockingQueue<WatchResponse> responses = new LinkedBlockingQueue<>();

  /** How the server ended the stream, once it did with an error. */
  final java.util.concurrent.CompletableFuture<Throwable> error =
      new java.util.concurrent.CompletableFuture<>();

  private final StreamObserver<WatchRequest> requests;

  WatchStream(WatchGrpc.WatchStub stub) {
    requests =
        stub.watch(
            new StreamObserver<>() {
              @Override
              public void onNext(WatchResponse value) {
                responses.add(value);
              }

              @Override
              public void onError(Throwable t) {
                error.complete(t);
              }

              @Override
              public void onCompleted() {}
            });
  }

  void create(WatchCreateRequest create) {
    requests.onNext(WatchRequest.newBuilder().setCreateRequest(create).build());
  }

  void cancel(long id) {
    requests.onNext(
        WatchRequest.newBuilder()
            .setCancelRequest(WatchCancelRequest.newBuilder().setWatchId(id))
            .build());
  }

  void progress() {
    requests.onNext(
        WatchRequest.newBuilder()
            .setProgressRequest(WatchProgressRequest.getDefaultInstance())
            .build());
  }

  WatchResponse next() throws InterruptedException {
    WatchResponse r = responses.poll(10, TimeUnit.SECONDS);
    assertNotNull(r, "no watch response within 10 s");
    return r;
  }

  void expectNothing(long millis) throws InterruptedException {
    assertNull(responses.poll(millis, TimeUnit.MILLISECONDS));
  }

  @Override
  public void close() {
    requests.onCompleted();
  }
}
