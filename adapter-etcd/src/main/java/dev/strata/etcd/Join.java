package dev.strata.etcd;

import io.etcd.jetcd.api.ClusterGrpc;
import io.etcd.jetcd.api.MemberAddRequest;
import io.etcd.jetcd.api.MemberAddResponse;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.netty.handler.ssl.SslContext;
import java.util.Collection;
import java.util.concurrent.TimeUnit;

/**
 * How a member added with {@code MemberAdd} joins when it starts ({@code --initial-cluster-state
 * existing}): it sends {@code MemberAdd} with its own peer URL to a running member, marked with its
 * name and client URL; the mark turns the call into a join, which the leader runs ({@link
 * MemberChanges#join}), so the running member forwards it there like any change.
 *
 * <p>Stateless; thread-safe.
 */
final class Join {
  private static final Metadata.Key<String> NAME =
      Metadata.Key.of("strata-etcd-join-name", Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> CLIENT_URL =
      Metadata.Key.of("strata-etcd-join-client-url", Metadata.ASCII_STRING_MARSHALLER);
  private static final Context.Key<Request> REQUEST = Context.key("strata-etcd-join");

  private static final long RETRY_PAUSE_MILLIS = 200;

  /** A newcomer's name (raft id) and client URL. */
  record Request(String name, String clientUrl) {}

  private Join() {}

  /** Makes the join mark of incoming calls visible to {@link #current}. */
  static ServerInterceptor interceptor() {
    return new ServerInterceptor() {
      @Override
      public <Q, A> ServerCall.Listener<Q> interceptCall(
          ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
        String name = headers.get(NAME);
        String clientUrl = headers.get(CLIENT_URL);
        if (name == null || clientUrl == null) {
          return next.startCall(call, headers);
        }
        return Contexts.interceptCall(
            Context.current().withValue(REQUEST, new Request(name, clientUrl)),
            call,
            headers,
            next);
      }
    };
  }

  /** The join the current call asks for, or null for an ordinary {@code MemberAdd}. */
  static Request current() {
    return REQUEST.get();
  }

  /** {@code channel} with the join mark of {@code request}. */
  static Channel marked(Channel channel, Request request) {
    Metadata mark = new Metadata();
    mark.put(NAME, request.name());
    mark.put(CLIENT_URL, request.clientUrl());
    return ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(mark));
  }

  /**
   * Joins the cluster through any of {@code clientAddresses} (the other members' client {@code
   * host:port}), retrying while none answers or none leads, until {@code timeoutMillis}.
   *
   * @throws IllegalStateException if the cluster refuses the join (the member was not added, or its
   *     name or peer URL belong to another member), or no member answered in time
   */
  static MemberAddResponse join(
      Collection<String> clientAddresses,
      SslContext tls,
      Request request,
      String peerUrl,
      long timeoutMillis) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    StatusRuntimeException last = null;
    while (true) {
      for (String address : clientAddresses) {
        ManagedChannel channel = ClusterMembers.open(address, tls);
        try {
          long left = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
          return ClusterGrpc.newBlockingStub(marked(channel, request))
              .withDeadlineAfter(left, TimeUnit.MILLISECONDS)
              .memberAdd(MemberAddRequest.newBuilder().addPeerURLs(peerUrl).build());
        } catch (StatusRuntimeException e) {
          Status.Code code = e.getStatus().getCode();
          // A change the group could not commit (INTERNAL) is worth another try; a refusal is not.
          if (code != Status.Code.UNAVAILABLE
              && code != Status.Code.DEADLINE_EXCEEDED
              && code != Status.Code.INTERNAL) {
            throw new IllegalStateException(
                "member "
                    + request.name()
                    + " cannot join the cluster through "
                    + address
                    + ": "
                    + e.getStatus().getDescription(),
                e);
          }
          last = e;
        } finally {
          channel.shutdownNow();
        }
      }
      if (System.nanoTime() - deadline > 0) {
        throw new IllegalStateException(
            "member "
                + request.name()
                + " found no leader to join through at "
                + clientAddresses
                + " within "
                + timeoutMillis
                + " ms",
            last);
      }
      try {
        Thread.sleep(RETRY_PAUSE_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while joining the cluster", e);
      }
    }
  }
}
