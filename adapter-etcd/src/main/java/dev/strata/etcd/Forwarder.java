package dev.strata.etcd;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.net.ConnectException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Sends write requests to the leader, as etcd forwards proposals: on the leader a request runs
 * locally; on a follower it is sent over the etcd API to the leader's client port, marked as
 * forwarded so that it is never forwarded twice. A forwarded request that reaches a member which no
 * longer leads gets {@code UNAVAILABLE "etcdserver: not leader"}; the sender then looks for the
 * leader again and retries, as it does when the leader's port refuses the connection (nothing was
 * sent). Any other failure reaches the client unchanged, since the request may have been applied.
 * With no leader found before the call's deadline (10 s when the client set none) the answer is
 * etcd's {@code UNAVAILABLE "etcdserver: no leader"}.
 *
 * <p>Thread-safe; a call blocks its gRPC thread while it is forwarded.
 */
final class Forwarder {
  private static final Metadata.Key<String> FORWARDED_BY =
      Metadata.Key.of("strata-etcd-forwarded-by", Metadata.ASCII_STRING_MARSHALLER);
  private static final Context.Key<String> FORWARDED = Context.key("strata-etcd-forwarded-by");

  /** How long a forwarded call may take when the client gave no deadline. */
  private static final long DEFAULT_DEADLINE_MILLIS = 10_000;

  private static final long RETRY_PAUSE_MILLIS = 100;

  private final ClusterMembers members;

  Forwarder(ClusterMembers members) {
    this.members = members;
  }

  /** Makes the forwarded mark of incoming calls visible to {@link #isForwarded}. */
  static ServerInterceptor interceptor() {
    return new ServerInterceptor() {
      @Override
      public <Q, A> ServerCall.Listener<Q> interceptCall(
          ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
        String by = headers.get(FORWARDED_BY);
        if (by == null) {
          return next.startCall(call, headers);
        }
        return Contexts.interceptCall(
            Context.current().withValue(FORWARDED, by), call, headers, next);
      }
    };
  }

  static boolean isForwarded() {
    return FORWARDED.get() != null;
  }

  static StatusRuntimeException notLeader() {
    return Status.UNAVAILABLE.withDescription("etcdserver: not leader").asRuntimeException();
  }

  static StatusRuntimeException noLeader() {
    return Status.UNAVAILABLE.withDescription("etcdserver: no leader").asRuntimeException();
  }

  static StatusRuntimeException leaderChanged() {
    return Status.UNAVAILABLE.withDescription("etcdserver: leader changed").asRuntimeException();
  }

  /**
   * Runs a write: {@code local} here when this member leads, else {@code remote} on the leader.
   *
   * @param local runs the request on this member, answering the observer it is given
   * @param remote sends the request over a channel to the leader and returns its answer
   */
  <R> void write(
      StreamObserver<R> observer, Consumer<StreamObserver<R>> local, Function<Channel, R> remote) {
    if (isForwarded()) {
      if (members.isLeader()) {
        local.accept(guard(observer));
      } else {
        observer.onError(notLeader());
      }
      return;
    }
    Deadline deadline = Context.current().getDeadline();
    if (deadline == null) {
      deadline = Deadline.after(DEFAULT_DEADLINE_MILLIS, TimeUnit.MILLISECONDS);
    }
    while (true) {
      if (members.isLeader()) {
        local.accept(guard(observer));
        return;
      }
      ClusterMembers.Member leader = members.leader();
      if (leader != null && leader != members.self()) {
        R response;
        try {
          response = remote.apply(toLeader(members.channel(leader), deadline));
        } catch (StatusRuntimeException e) {
          if (!retryable(e) || deadline.isExpired()) {
            observer.onError(e);
            return;
          }
          members.forgetLeader(leader);
          pause();
          continue;
        }
        observer.onNext(response);
        observer.onCompleted();
        return;
      }
      if (deadline.isExpired()) {
        observer.onError(noLeader());
        return;
      }
      pause();
    }
  }

  /** The channel to the leader, with the forwarded mark and the call's deadline. */
  Channel toLeader(Channel channel, Deadline deadline) {
    return marked(channel, members.self().name(), deadline);
  }

  /**
   * A channel whose calls carry the forwarded mark of member {@code by} and, unless null, {@code
   * deadline}.
   */
  static Channel marked(Channel channel, String by, Deadline deadline) {
    Metadata mark = new Metadata();
    mark.put(FORWARDED_BY, by);
    ClientInterceptor withDeadline =
        new ClientInterceptor() {
          @Override
          public <Q, A> ClientCall<Q, A> interceptCall(
              MethodDescriptor<Q, A> method, CallOptions options, Channel next) {
            return next.newCall(
                method, deadline == null ? options : options.withDeadline(deadline));
          }
        };
    return ClientInterceptors.intercept(
        channel, withDeadline, MetadataUtils.newAttachHeadersInterceptor(mark));
  }

  /** Nothing was applied: the leader refused as a follower, or the connection was refused. */
  private static boolean retryable(StatusRuntimeException e) {
    if (e.getStatus().getCode() != Status.Code.UNAVAILABLE) {
      return false;
    }
    String description = e.getStatus().getDescription();
    if ("etcdserver: not leader".equals(description)) {
      return true;
    }
    for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
      if (c instanceof ConnectException) {
        return true;
      }
    }
    return false;
  }

  /**
   * A local write that fails because this member lost leadership while it ran answers etcd's {@code
   * "etcdserver: leader changed"} (its outcome is settled by the new leader's log) instead of an
   * engine failure; etcd's own errors pass unchanged.
   */
  <R> StreamObserver<R> guard(StreamObserver<R> observer) {
    return new StreamObserver<>() {
      @Override
      public void onNext(R value) {
        observer.onNext(value);
      }

      @Override
      public void onError(Throwable t) {
        if (t instanceof StatusRuntimeException s
            && s.getStatus().getCode() == Status.Code.INTERNAL
            && !members.isLeader()) {
          observer.onError(leaderChanged());
        } else {
          observer.onError(t);
        }
      }

      @Override
      public void onCompleted() {
        observer.onCompleted();
      }
    };
  }

  private static void pause() {
    try {
      Thread.sleep(RETRY_PAUSE_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw Status.CANCELLED.withDescription("strata-etcd: stopping").asRuntimeException();
    }
  }
}
