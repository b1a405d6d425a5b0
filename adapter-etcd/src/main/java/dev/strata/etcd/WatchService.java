package dev.strata.etcd;

import io.etcd.jetcd.api.WatchGrpc;
import io.etcd.jetcd.api.WatchRequest;
import io.etcd.jetcd.api.WatchResponse;
import io.grpc.stub.StreamObserver;
import java.util.HashMap;
import java.util.Map;

/** etcd's Watch service: many watchers per stream, ids counted per stream from 0. */
final class WatchService extends WatchGrpc.WatchImplBase {
  private final WatchHub hub;

  WatchService(WatchHub hub) {
    this.hub = hub;
  }

  @Override
  public StreamObserver<WatchRequest> watch(StreamObserver<WatchResponse> responses) {
    WatchHub.Stream stream = new WatchHub.Stream(responses);
    return new StreamObserver<>() {
      private final Map<Long, WatchHub.Watcher> watchers = new HashMap<>();
      private long nextId;

      @Override
      public void onNext(WatchRequest request) {
        try {
          switch (request.getRequestUnionCase()) {
            case CREATE_REQUEST -> {
              long id = nextId++;
              WatchHub.Watcher w;
              synchronized (watchers) {
                w = hub.create(stream, id, request.getCreateRequest());
                if (w != null) {
                  watchers.put(id, w);
                }
              }
            }
            case CANCEL_REQUEST -> {
              long id = request.getCancelRequest().getWatchId();
              WatchHub.Watcher w;
              synchronized (watchers) {
                w = watchers.remove(id);
              }
              if (w != null) {
                hub.cancel(w);
                stream.send(
                    WatchResponse.newBuilder()
                        .setHeader(hub.header())
                        .setWatchId(id)
                        .setCanceled(true)
                        .build());
              }
            }
            case PROGRESS_REQUEST -> hub.progress(stream);
            default -> {}
          }
        } catch (RuntimeException e) {
          stream.end();
          closeAll();
          responses.onError(Calls.toStatus(e));
        }
      }

      @Override
      public void onError(Throwable t) {
        stream.end();
        closeAll();
      }

      @Override
      public void onCompleted() {
        closeAll();
        synchronized (stream) {
          stream.end();
          responses.onCompleted();
        }
      }

      private void closeAll() {
        synchronized (watchers) {
          watchers.values().forEach(hub::cancel);
          watchers.clear();
        }
      }
    };
  }
}
