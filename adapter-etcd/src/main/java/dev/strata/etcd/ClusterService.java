package dev.strata.etcd;

import io.etcd.jetcd.api.ClusterGrpc;
import io.etcd.jetcd.api.Member;
import io.etcd.jetcd.api.MemberAddRequest;
import io.etcd.jetcd.api.MemberAddResponse;
import io.etcd.jetcd.api.MemberListRequest;
import io.etcd.jetcd.api.MemberListResponse;
import io.etcd.jetcd.api.MemberPromoteRequest;
import io.etcd.jetcd.api.MemberPromoteResponse;
import io.etcd.jetcd.api.MemberRemoveRequest;
import io.etcd.jetcd.api.MemberRemoveResponse;
import io.etcd.jetcd.api.MemberUpdateRequest;
import io.etcd.jetcd.api.MemberUpdateResponse;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.function.Supplier;

/**
 * etcd's Cluster service. {@code MemberList} answers on every member from its copy of the member
 * list (the replicated one in a cluster, or this server alone, named {@code default} as an etcd
 * started without {@code --name}). In a cluster, {@code MemberAdd}, {@code MemberRemove}, {@code
 * MemberUpdate} and {@code MemberPromote} run on the leader ({@link MemberChanges}), forwarded
 * there like writes; a one-member server answers them UNIMPLEMENTED.
 */
final class ClusterService extends ClusterGrpc.ClusterImplBase {
  private final Supplier<List<Member>> listing;
  private final Headers headers;
  private final Forwarder forwarder;
  private final MemberChanges changes;
  private final ClusterMembers members;

  private static final Metadata.Key<String> REMOVAL_NOTICE =
      Metadata.Key.of("strata-etcd-removal-notice", Metadata.ASCII_STRING_MARSHALLER);
  private static final Context.Key<Boolean> NOTICE = Context.key("strata-etcd-removal-notice");

  /** A one-member server's service: the list only. */
  ClusterService(Supplier<List<Member>> listing, Headers headers) {
    this(listing, headers, null, null, null);
  }

  /** A cluster member's service. */
  ClusterService(
      Supplier<List<Member>> listing,
      Headers headers,
      Forwarder forwarder,
      MemberChanges changes,
      ClusterMembers members) {
    this.listing = listing;
    this.headers = headers;
    this.forwarder = forwarder;
    this.changes = changes;
    this.members = members;
  }

  /** {@code channel} whose {@code MemberRemove} tells the member it reaches that it was removed. */
  static Channel removalNotice(Channel channel) {
    Metadata mark = new Metadata();
    mark.put(REMOVAL_NOTICE, "1");
    return ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(mark));
  }

  /** Makes the removal notice mark of incoming calls visible to the service. */
  static ServerInterceptor interceptor() {
    return new ServerInterceptor() {
      @Override
      public <Q, A> ServerCall.Listener<Q> interceptCall(
          ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
        if (headers.get(REMOVAL_NOTICE) == null) {
          return next.startCall(call, headers);
        }
        return Contexts.interceptCall(
            Context.current().withValue(NOTICE, Boolean.TRUE), call, headers, next);
      }
    };
  }

  @Override
  public void memberList(MemberListRequest request, StreamObserver<MemberListResponse> observer) {
    Calls.unary(
        observer,
        () ->
            MemberListResponse.newBuilder()
                .setHeader(headers.current())
                .addAllMembers(listing.get())
                .build());
  }

  @Override
  public void memberAdd(MemberAddRequest request, StreamObserver<MemberAddResponse> observer) {
    if (changes == null) {
      observer.onError(EtcdErrors.notSupported("MemberAdd on a single server"));
      return;
    }
    Join.Request join = Join.current();
    forwarder.write(
        observer,
        o ->
            Calls.unary(
                o,
                () -> {
                  MemberAddResponse.Builder response =
                      MemberAddResponse.newBuilder().setHeader(headers.current());
                  if (join != null) {
                    Member joined =
                        changes.join(
                            join.name(),
                            MemberChanges.onePeerUrl(request.getPeerURLsList()),
                            join.clientUrl());
                    return response.setMember(joined).addAllMembers(listing.get()).build();
                  }
                  List<Member> added =
                      changes.add(request.getPeerURLsList(), request.getIsLearner());
                  return response
                      .setMember(added.get(0))
                      .addAllMembers(added.subList(1, added.size()))
                      .build();
                }),
        ch ->
            ClusterGrpc.newBlockingStub(join == null ? ch : Join.marked(ch, join))
                .memberAdd(request));
  }

  @Override
  public void memberRemove(
      MemberRemoveRequest request, StreamObserver<MemberRemoveResponse> observer) {
    if (changes == null) {
      observer.onError(EtcdErrors.notSupported("MemberRemove on a single server"));
      return;
    }
    if (NOTICE.get() != null) {
      // The leader says this member was removed: it stops, unless the notice names another.
      if (request.getID() == members.self().id() && !members.isLeader()) {
        members.noticeRemoved();
      }
      Calls.unary(
          observer,
          () ->
              MemberRemoveResponse.newBuilder()
                  .setHeader(headers.current())
                  .addAllMembers(listing.get())
                  .build());
      return;
    }
    if (request.getID() == members.self().id() && members.isLeader()) {
      // The leader does not remove itself: another member takes over and removes it.
      try {
        changes.handOver();
      } catch (RuntimeException e) {
        observer.onError(Calls.toStatus(e));
        return;
      }
    }
    forwarder.write(
        observer,
        o ->
            Calls.unary(
                o,
                () ->
                    MemberRemoveResponse.newBuilder()
                        .setHeader(headers.current())
                        .addAllMembers(changes.remove(request.getID()))
                        .build()),
        ch -> ClusterGrpc.newBlockingStub(ch).memberRemove(request));
  }

  @Override
  public void memberUpdate(
      MemberUpdateRequest request, StreamObserver<MemberUpdateResponse> observer) {
    if (changes == null) {
      observer.onError(EtcdErrors.notSupported("MemberUpdate on a single server"));
      return;
    }
    forwarder.write(
        observer,
        o ->
            Calls.unary(
                o,
                () ->
                    MemberUpdateResponse.newBuilder()
                        .setHeader(headers.current())
                        .addAllMembers(changes.update(request.getID(), request.getPeerURLsList()))
                        .build()),
        ch -> ClusterGrpc.newBlockingStub(ch).memberUpdate(request));
  }

  @Override
  public void memberPromote(
      MemberPromoteRequest request, StreamObserver<MemberPromoteResponse> observer) {
    if (changes == null) {
      observer.onError(EtcdErrors.notSupported("MemberPromote on a single server"));
      return;
    }
    forwarder.write(
        observer,
        o ->
            Calls.unary(
                o,
                () ->
                    MemberPromoteResponse.newBuilder()
                        .setHeader(headers.current())
                        .addAllMembers(changes.promote(request.getID()))
                        .build()),
        ch -> ClusterGrpc.newBlockingStub(ch).memberPromote(request));
  }
}
