package dev.strata.etcd;

import io.etcd.jetcd.api.LeaseGrantRequest;
import io.etcd.jetcd.api.LeaseGrantResponse;
import io.etcd.jetcd.api.LeaseGrpc;
import io.etcd.jetcd.api.LeaseKeepAliveRequest;
import io.etcd.jetcd.api.LeaseKeepAliveResponse;
import io.etcd.jetcd.api.LeaseRevokeRequest;
import io.etcd.jetcd.api.LeaseRevokeResponse;
import io.etcd.jetcd.api.LeaseTimeToLiveRequest;
import io.etcd.jetcd.api.LeaseTimeToLiveResponse;
import io.grpc.Context;
import io.grpc.stub.StreamObserver;

/**
 * etcd's Lease service on a cluster member. The leader keeps the lease deadlines (as etcd's primary
 * lessor does), so every lease call runs on it: grant, revoke and time-to-live through the {@link
 * Forwarder}, keep-alive streams proxied to the leader's client port. A keep-alive stream on a
 * member that stops leading ends with {@code UNAVAILABLE "etcdserver: not leader"}, so the client
 * opens a new one, which reaches the new leader.
 */
final class RoutedLeaseService extends LeaseGrpc.LeaseImplBase {
  private final LeaseService local;
  private final Forwarder forwarder;
  private final ClusterMembers members;

  RoutedLeaseService(LeaseService local, Forwarder forwarder, ClusterMembers members) {
    this.local = local;
    this.forwarder = forwarder;
    this.members = members;
  }

  @Override
  public void leaseGrant(LeaseGrantRequest request, StreamObserver<LeaseGrantResponse> observer) {
    forwarder.write(
        observer,
        o -> local.leaseGrant(request, o),
        ch -> LeaseGrpc.newBlockingStub(ch).leaseGrant(request));
  }

  @Override
  public void leaseRevoke(
      LeaseRevokeRequest request, StreamObserver<LeaseRevokeResponse> observer) {
    forwarder.write(
        observer,
        o -> local.leaseRevoke(request, o),
        ch -> LeaseGrpc.newBlockingStub(ch).leaseRevoke(request));
  }

  @Override
  public void leaseTimeToLive(
      LeaseTimeToLiveRequest request, StreamObserver<LeaseTimeToLiveResponse> observer) {
    forwarder.write(
        observer,
        o -> local.leaseTimeToLive(request, o),
        ch -> LeaseGrpc.newBlockingStub(ch).leaseTimeToLive(request));
  }

  @Override
  public StreamObserver<LeaseKeepAliveRequest> leaseKeepAlive(
      StreamObserver<LeaseKeepAliveResponse> responses) {
    if (members.isLeader()) {
      return whileLeader(local.leaseKeepAlive(responses), responses);
    }
    if (Forwarder.isForwarded()) {
      responses.onError(Forwarder.notLeader());
      return ignoring();
    }
    ClusterMembers.Member leader = members.leader();
    if (leader == null || leader == members.self()) {
      responses.onError(Forwarder.noLeader());
      return ignoring();
    }
    StreamObserver<LeaseKeepAliveRequest> upstream =
        LeaseGrpc.newStub(forwarder.toLeader(members.channel(leader), null))
            .leaseKeepAlive(
                new StreamObserver<>() {
                  @Override
                  public void onNext(LeaseKeepAliveResponse response) {
                    synchronized (responses) {
                      responses.onNext(response);
                    }
                  }

                  @Override
                  public void onError(Throwable t) {
                    members.forgetLeader(leader);
                    synchronized (responses) {
                      responses.onError(t);
                    }
                  }

                  @Override
                  public void onCompleted() {
                    synchronized (responses) {
                      responses.onCompleted();
                    }
                  }
                });
    // The proxied stream ends with the client's, also when the client just goes away.
    Object lock = new Object();
    boolean[] ended = {false};
    Context.current()
        .addListener(
            c -> {
              synchronized (lock) {
                if (!ended[0]) {
                  ended[0] = true;
                  upstream.onError(Forwarder.leaderChanged());
                }
              }
            },
            Runnable::run);
    return new StreamObserver<>() {
      @Override
      public void onNext(LeaseKeepAliveRequest request) {
        synchronized (lock) {
          if (!ended[0]) {
            upstream.onNext(request);
          }
        }
      }

      @Override
      public void onError(Throwable t) {
        synchronized (lock) {
          if (!ended[0]) {
            ended[0] = true;
            upstream.onError(t);
          }
        }
      }

      @Override
      public void onCompleted() {
        synchronized (lock) {
          if (!ended[0]) {
            ended[0] = true;
            upstream.onCompleted();
          }
        }
      }
    };
  }

  /** Passes keep-alives to the local lessor while this member leads; ends the stream after. */
  private StreamObserver<LeaseKeepAliveRequest> whileLeader(
      StreamObserver<LeaseKeepAliveRequest> localStream,
      StreamObserver<LeaseKeepAliveResponse> responses) {
    return new StreamObserver<>() {
      private boolean ended;

      @Override
      public void onNext(LeaseKeepAliveRequest request) {
        if (ended) {
          return;
        }
        if (!members.isLeader()) {
          ended = true;
          synchronized (responses) {
            responses.onError(Forwarder.notLeader());
          }
          return;
        }
        localStream.onNext(request);
      }

      @Override
      public void onError(Throwable t) {
        localStream.onError(t);
      }

      @Override
      public void onCompleted() {
        if (!ended) {
          localStream.onCompleted();
        }
      }
    };
  }

  private static <T> StreamObserver<T> ignoring() {
    return new StreamObserver<>() {
      @Override
      public void onNext(T value) {}

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {}
    };
  }
}
