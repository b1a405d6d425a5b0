package dev.strata.etcd;

import io.etcd.jetcd.api.ClusterGrpc;
import io.etcd.jetcd.api.Member;
import io.etcd.jetcd.api.MemberListRequest;
import io.etcd.jetcd.api.MemberListResponse;
import io.grpc.stub.StreamObserver;
import java.util.Collection;
import java.util.function.Supplier;

/**
 * etcd's Cluster service, {@code MemberList} only: the members given at start, with their etcd
 * member ids, client URLs and raft peer URLs, or this server alone (named {@code default}, as an
 * etcd started without {@code --name}). Adding and removing members answers UNIMPLEMENTED.
 */
final class ClusterService extends ClusterGrpc.ClusterImplBase {
  private final Supplier<Collection<ClusterMembers.Member>> members;
  private final Headers headers;
  private final String scheme;

  ClusterService(
      Supplier<Collection<ClusterMembers.Member>> members, Headers headers, boolean tls) {
    this.members = members;
    this.headers = headers;
    this.scheme = tls ? "https://" : "http://";
  }

  @Override
  public void memberList(MemberListRequest request, StreamObserver<MemberListResponse> observer) {
    Calls.unary(
        observer,
        () -> {
          MemberListResponse.Builder response =
              MemberListResponse.newBuilder().setHeader(headers.current());
          for (ClusterMembers.Member m : members.get()) {
            Member.Builder member =
                Member.newBuilder()
                    .setID(m.id())
                    .setName(m.name())
                    .addClientURLs(scheme + m.clientAddress());
            if (m.peerAddress() != null) {
              member.addPeerURLs("http://" + m.peerAddress());
            }
            response.addMembers(member);
          }
          return response.build();
        });
  }
}
