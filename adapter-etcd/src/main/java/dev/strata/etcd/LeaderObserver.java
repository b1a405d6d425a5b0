package dev.strata.etcd;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.Event;
import io.etcd.jetcd.api.KeyValue;
import io.etcd.jetcd.api.LeaderResponse;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.ResponseHeader;
import io.etcd.jetcd.api.WatchCreateRequest;
import io.etcd.jetcd.api.WatchResponse;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

/**
 * One {@code Observe} stream: etcd's {@code Election.Observe}. Sends the current leader (the oldest
 * key under {@code name/}), or, when there is none, the first key put there; then every put on that
 * key; when the key is deleted it starts over with the next leader. Each response carries the
 * header of the read or watch event it comes from (for the first put after no leader, with that
 * put's revision). Waiting between changes holds no thread ({@link WaitingCall}).
 *
 * <p>The stream ends when the client cancels it; when the server stops it ends with {@code
 * UNAVAILABLE "etcdserver: server stopped"}, and when a read fails with that error. A watch whose
 * start revision was compacted meanwhile starts over from a fresh read, which may send the current
 * leader a second time.
 */
final class LeaderObserver implements WaitingCall.Handler {
  private final LocalClient client;
  private final ByteString prefix;
  private final StreamObserver<LeaderResponse> observer;
  private final WaitingCall call;

  LeaderObserver(LocalClient client, ByteString name, StreamObserver<LeaderResponse> observer) {
    this.client = client;
    this.prefix = Recipes.prefix(name);
    this.observer = observer;
    this.call = new WaitingCall(client, this);
    if (observer instanceof ServerCallStreamObserver<LeaderResponse> server) {
      // Sends after a cancellation are dropped instead of throwing; the context ends the call.
      server.setOnCancelHandler(() -> {});
    }
  }

  void start() {
    call.start(this::findLeader);
  }

  private void findLeader() {
    RangeResponse first = client.range(Recipes.firstCreated(prefix));
    if (first.getKvsCount() > 0) {
      KeyValue leader = first.getKvs(0);
      send(first.getHeader(), leader);
      follow(leader.getKey(), first.getHeader().getRevision() + 1);
      return;
    }
    // No leader: the first put under the prefix from the read on names one.
    call.watch(
        WatchCreateRequest.newBuilder()
            .setKey(prefix)
            .setRangeEnd(Recipes.prefixEnd(prefix))
            .setStartRevision(first.getHeader().getRevision())
            .build(),
        this::awaitFirstPut);
  }

  private void awaitFirstPut(WatchResponse response) {
    if (response.getCanceled()) {
      call.stopWatch();
      findLeader();
      return;
    }
    for (Event e : response.getEventsList()) {
      if (e.getType() == Event.EventType.PUT) {
        call.stopWatch();
        KeyValue leader = e.getKv();
        // A response may hold several revisions' puts; the header names this one's.
        ResponseHeader header =
            response.getHeader().toBuilder().setRevision(leader.getModRevision()).build();
        send(header, leader);
        follow(leader.getKey(), leader.getModRevision() + 1);
        return;
      }
    }
  }

  /** Sends each put on the leader key; starts over when it is deleted. */
  private void follow(ByteString leaderKey, long fromRevision) {
    call.watch(
        WatchCreateRequest.newBuilder().setKey(leaderKey).setStartRevision(fromRevision).build(),
        response -> {
          if (response.getCanceled()) {
            call.stopWatch();
            findLeader();
            return;
          }
          for (Event e : response.getEventsList()) {
            if (e.getType() == Event.EventType.DELETE) {
              call.stopWatch();
              findLeader();
              return;
            }
            send(response.getHeader(), e.getKv());
          }
        });
  }

  private void send(ResponseHeader header, KeyValue leader) {
    observer.onNext(LeaderResponse.newBuilder().setHeader(header).setKv(leader).build());
  }

  @Override
  public void failed(StatusRuntimeException error) {
    observer.onError(error);
  }

  @Override
  public void cancelled() {}
}
