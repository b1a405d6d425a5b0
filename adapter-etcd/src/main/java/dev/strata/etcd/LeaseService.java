package dev.strata.etcd;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.LeaseGrantRequest;
import io.etcd.jetcd.api.LeaseGrantResponse;
import io.etcd.jetcd.api.LeaseGrpc;
import io.etcd.jetcd.api.LeaseKeepAliveRequest;
import io.etcd.jetcd.api.LeaseKeepAliveResponse;
import io.etcd.jetcd.api.LeaseRevokeRequest;
import io.etcd.jetcd.api.LeaseRevokeResponse;
import io.etcd.jetcd.api.LeaseTimeToLiveRequest;
import io.etcd.jetcd.api.LeaseTimeToLiveResponse;
import io.grpc.stub.StreamObserver;

/** etcd's Lease service over the {@link Lessor}. */
final class LeaseService extends LeaseGrpc.LeaseImplBase {
  private final Lessor lessor;
  private final Headers headers;

  LeaseService(Lessor lessor, Headers headers) {
    this.lessor = lessor;
    this.headers = headers;
  }

  @Override
  public void leaseGrant(LeaseGrantRequest request, StreamObserver<LeaseGrantResponse> observer) {
    Calls.unary(
        observer,
        () -> {
          Lessor.Lease lease = lessor.grant(request.getID(), request.getTTL());
          return LeaseGrantResponse.newBuilder()
              .setHeader(headers.current())
              .setID(lease.id)
              .setTTL(lease.ttlSeconds)
              .build();
        });
  }

  @Override
  public void leaseRevoke(
      LeaseRevokeRequest request, StreamObserver<LeaseRevokeResponse> observer) {
    Calls.unary(
        observer,
        () -> {
          lessor.revoke(request.getID());
          return LeaseRevokeResponse.newBuilder().setHeader(headers.current()).build();
        });
  }

  @Override
  public StreamObserver<LeaseKeepAliveRequest> leaseKeepAlive(
      StreamObserver<LeaseKeepAliveResponse> responses) {
    return new StreamObserver<>() {
      @Override
      public void onNext(LeaseKeepAliveRequest request) {
        long ttl = lessor.renew(request.getID());
        synchronized (responses) {
          responses.onNext(
              LeaseKeepAliveResponse.newBuilder()
                  .setHeader(headers.current())
                  .setID(request.getID())
                  .setTTL(ttl)
                  .build());
        }
      }

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {
        synchronized (responses) {
          responses.onCompleted();
        }
      }
    };
  }

  @Override
  public void leaseTimeToLive(
      LeaseTimeToLiveRequest request, StreamObserver<LeaseTimeToLiveResponse> observer) {
    Calls.unary(
        observer,
        () -> {
          Lessor.Lease lease = lessor.lookup(request.getID());
          LeaseTimeToLiveResponse.Builder response =
              LeaseTimeToLiveResponse.newBuilder()
                  .setHeader(headers.current())
                  .setID(request.getID());
          if (lease == null) {
            // etcd answers an unknown lease with TTL -1, not an error.
            return response.setTTL(-1).build();
          }
          response.setTTL(lease.remainingSeconds()).setGrantedTTL(lease.ttlSeconds);
          if (request.getKeys()) {
            for (byte[] key : lessor.keys(request.getID())) {
              response.addKeys(ByteString.copyFrom(key));
            }
          }
          return response.build();
        });
  }
}
