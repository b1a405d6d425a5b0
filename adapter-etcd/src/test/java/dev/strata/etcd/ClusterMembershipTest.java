package dev.strata.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.api.ClusterGrpc;
import io.etcd.jetcd.api.DeleteRangeRequest;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.Member;
import io.etcd.jetcd.api.MemberAddRequest;
import io.etcd.jetcd.api.MemberPromoteRequest;
import io.etcd.jetcd.api.MemberRemoveRequest;
import io.etcd.jetcd.api.MemberUpdateRequest;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.cluster.MemberAddResponse;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.handler.ssl.SslContext;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * A strata-etcd cluster over the {@code raft} engine whose members talk TLS, to clients and to each
 * other (forwarded calls carry the member's own certificate), changing its membership over etcd's
 * Cluster API: a write through a follower over TLS; a client whose certificate the members do not
 * trust is refused; invalid changes get etcd's errors; a fourth member added with jetcd's Cluster
 * client and started with {@code --initial-cluster-state existing} serves the whole data; the
 * leader is removed and stops while the others elect a new one and go on; the member list is the
 * same on every member and survives a restart, and a restart on another client port while the other
 * members' client ports do not answer records the new client URL. The tests share one cluster and
 * run in order.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterMembershipTest {
  @TempDir static Path dir;
  private TestMembers members;
  private TestCertificates.Issued ca;
  private TestCertificates.Issued stranger;
  private SslContext clientTls;
  private final Set<Integer> running = new HashSet<>(Set.of(0, 1, 2));

  @BeforeAll
  void startCluster() throws Exception {
    ca = TestCertificates.authority(dir, "cluster-ca");
    TestCertificates.Issued client = TestCertificates.client(dir, "client", ca);
    stranger =
        TestCertificates.client(dir, "stranger", TestCertificates.authority(dir, "other-ca"));
    clientTls = clientContext(client);
    Map<String, TestCertificates.Issued> certs = new HashMap<>();
    for (int i = 0; i < 4; i++) {
      String name = TestMembers.name(i);
      certs.put(name, TestCertificates.member(dir, "member-" + name, ca));
    }
    members =
        new TestMembers(
            dir,
            6,
            (i, config) -> {
              TestCertificates.Issued cert = certs.get(TestMembers.name(i));
              return config.tls(cert.certFile(), cert.keyFile()).clientCertAuth(ca.certFile());
            },
            clientTls);
    members.startNew(3);
    members.awaitLeader(running);
  }

  @AfterAll
  void stopCluster() {
    if (members != null) {
      members.close();
    }
  }

  private SslContext clientContext(TestCertificates.Issued cert) throws Exception {
    return GrpcSslContexts.forClient()
        .trustManager(ca.certFile().toFile())
        .keyManager(cert.certFile().toFile(), cert.keyFile().toFile())
        .build();
  }

  private static ByteString bs(String s) {
    return ByteString.copyFromUtf8(s);
  }

  private static ByteSequence seq(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  private KVGrpc.KVBlockingStub kv(int i) {
    return KVGrpc.newBlockingStub(members.channel(i)).withDeadlineAfter(20, TimeUnit.SECONDS);
  }

  private ClusterGrpc.ClusterBlockingStub cluster(int i) {
    return ClusterGrpc.newBlockingStub(members.channel(i)).withDeadlineAfter(20, TimeUnit.SECONDS);
  }

  private RangeResponse all(int i) {
    return kv(i).range(RangeRequest.newBuilder().setKey(bs("\0")).setRangeEnd(bs("\0")).build());
  }

  private static void assertEtcdError(Status.Code code, String message, Executable call) {
    assertEtcdError(code, message, call, true);
  }

  private static void assertEtcdError(
      Status.Code code, String message, Executable call, boolean checkMessage) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call);
    assertEquals(code, e.getStatus().getCode(), e.toString());
    if (checkMessage) {
      assertEquals(message, e.getStatus().getDescription());
    }
  }

  private static Member named(List<Member> list, String name) {
    return list.stream().filter(m -> m.getName().equals(name)).findFirst().orElseThrow();
  }

  @Test
  @Order(1)
  void overTls_aWriteThroughAFollowerIsForwarded_andAnUntrustedClientIsRefused() throws Exception {
    int leader = members.awaitLeader(running);
    int follower = (leader + 1) % 3;
    try (Client client =
        Client.builder().endpoints(members.clientUrl(follower)).sslContext(clientTls).build()) {
      client.getKVClient().put(seq("tls/forwarded"), seq("yes")).get(20, TimeUnit.SECONDS);
    }
    for (int i : running) {
      assertEquals(
          1, kv(i).range(RangeRequest.newBuilder().setKey(bs("tls/forwarded")).build()).getCount());
    }
    ManagedChannel untrusted =
        NettyChannelBuilder.forAddress("127.0.0.1", members.clientPort(follower))
            .sslContext(clientContext(stranger))
            .build();
    try {
      StatusRuntimeException refused =
          assertThrows(
              StatusRuntimeException.class,
              () ->
                  KVGrpc.newBlockingStub(untrusted)
                      .withDeadlineAfter(10, TimeUnit.SECONDS)
                      .put(PutRequest.newBuilder().setKey(bs("tls/x")).setValue(bs("no")).build()));
      assertEquals(Status.Code.UNAVAILABLE, refused.getStatus().getCode(), refused.toString());
    } finally {
      untrusted.shutdownNow();
    }
    assertEquals(
        0, kv(leader).range(RangeRequest.newBuilder().setKey(bs("tls/x")).build()).getCount());
  }

  @Test
  @Order(3)
  void addedMember_servesTheData_removedLeader_stops_andTheRestGoOn() throws Exception {
    int leader = members.awaitLeader(running);
    int follower = (leader + 1) % 3;
    kv(leader)
        .deleteRange(
            DeleteRangeRequest.newBuilder().setKey(bs("\0")).setRangeEnd(bs("\0")).build());
    for (int n = 0; n < 20; n++) {
      kv(n % 3).put(PutRequest.newBuilder().setKey(bs("k/" + n)).setValue(bs("v" + n)).build());
    }
    List<Member> three = members.list(follower);
    assertEquals(3, three.size());
    for (Member m : three) {
      assertEquals(
          List.of(members.clientUrl(Integer.parseInt(m.getName().substring(1)) - 1)),
          m.getClientURLsList());
    }

    try (Client client =
        Client.builder().endpoints(members.clientUrl(follower)).sslContext(clientTls).build()) {
      // A fourth member: added through a follower (forwarded to the leader), listed unstarted.
      MemberAddResponse added =
          client
              .getClusterClient()
              .addMember(List.of(URI.create(members.peerUrl(3))))
              .get(20, TimeUnit.SECONDS);
      long newId = added.getMember().getId();
      assertNotEquals(0, newId);
      assertEquals("", added.getMember().getName());
      assertEquals(List.of(URI.create(members.peerUrl(3))), added.getMember().getPeerURIs());
      assertTrue(added.getMember().getClientURIs().isEmpty());
      assertEquals(4, added.getMembers().size());
      members.awaitListed(running, members.list(leader));

      // Started with --initial-cluster-state existing, it joins and serves every key.
      EtcdServer.Config fourth =
          members.config(3, List.of(0, 1, 2, 3)).initialClusterState("existing");
      EtcdServer joined = members.start(3, fourth);
      assertEquals(newId, joined.memberId());
      running.add(3);
      List<Member> four = members.list(leader);
      assertEquals(4, four.size());
      Member m4 = named(four, "m4");
      assertEquals(newId, m4.getID());
      assertEquals(List.of(members.clientUrl(3)), m4.getClientURLsList());
      assertEquals(List.of(members.peerUrl(3)), m4.getPeerURLsList());
      members.awaitListed(running, four);
      RangeResponse reference = all(leader);
      assertEquals(20, reference.getKvsCount());
      assertEquals(reference.getKvsList(), all(3).getKvsList());
      kv(3).put(PutRequest.newBuilder().setKey(bs("k/via-m4")).setValue(bs("x")).build());
      assertEquals(21, all(follower).getKvsCount());

      // The leader is removed: it stops, the others elect a new leader and go on.
      long leaderId = members.server(leader).memberId();
      var removed = client.getClusterClient().removeMember(leaderId).get(20, TimeUnit.SECONDS);
      assertEquals(3, removed.getMembers().size());
      assertTrue(removed.getMembers().stream().noneMatch(m -> m.getId() == leaderId));
      running.remove(leader);
      members.assertStops(leader);
      int newLeader = members.awaitLeader(running);
      assertNotEquals(leader, newLeader);
      List<Member> remaining = members.list(newLeader);
      assertEquals(3, remaining.size());
      members.awaitListed(running, remaining);
      KV jkv = client.getKVClient();
      jkv.put(seq("k/after-remove"), seq("y")).get(20, TimeUnit.SECONDS);
      for (int i : running) {
        assertEquals(22, all(i).getKvsCount());
      }

      // The joined member restarts with the same flags and keeps its id and the member list.
      members.stop(3);
      EtcdServer again = members.start(3, fourth);
      assertEquals(newId, again.memberId());
      members.awaitListed(running, remaining);
      assertEquals(all(newLeader).getKvsList(), all(3).getKvsList());

      // Restarted on another client port while no other member's client port answers (as when
      // the whole cluster restarts at once), it serves from its replica, whichever member leads,
      // and its new client URL is recorded through its own server.
      members.stop(3);
      members.moveClientPort(3);
      Map<String, String> unanswered = new LinkedHashMap<>();
      for (int i = 0; i < 3; i++) {
        unanswered.put(TestMembers.name(i), "127.0.0.1:" + members.clientPort(leader));
      }
      unanswered.put(TestMembers.name(3), "127.0.0.1:" + members.clientPort(3));
      EtcdServer moved =
          members.start(
              3,
              members
                  .config(3, List.of(0, 1, 2, 3))
                  .initialClusterState("existing")
                  .cluster(unanswered));
      assertEquals(newId, moved.memberId());
      List<Member> relisted = new ArrayList<>();
      for (Member m : remaining) {
        relisted.add(
            m.getID() != newId
                ? m
                : m.toBuilder().clearClientURLs().addClientURLs(members.clientUrl(3)).build());
      }
      members.awaitListed(running, relisted);
      kv(3).put(PutRequest.newBuilder().setKey(bs("k/moved")).setValue(bs("z")).build());
      assertEquals(23, all(newLeader).getKvsCount());
      assertEquals(all(newLeader).getKvsList(), all(3).getKvsList());
      for (int i : running) {
        members.server(i).engine().verifyIntegrity();
      }
    }
  }

  @Test
  @Order(2)
  void invalidChanges_getEtcdsErrors_andPendingMembersChangeOnlyTheList() throws Exception {
    int leader = members.awaitLeader(running);
    int follower = (leader + 1) % 3;
    ClusterGrpc.ClusterBlockingStub viaFollower = cluster(follower);
    Member m1 = named(members.list(leader), "m1");
    Member m2 = named(members.list(leader), "m2");

    assertEtcdError(
        Status.Code.FAILED_PRECONDITION,
        "etcdserver: Peer URLs already exists",
        () ->
            viaFollower.memberAdd(
                MemberAddRequest.newBuilder().addPeerURLs(members.peerUrl(1)).build()));
    for (String bad : List.of("127.0.0.1:1", "ftp://127.0.0.1:1", "http://127.0.0.1:1/path")) {
      assertEtcdError(
          Status.Code.INVALID_ARGUMENT,
          "etcdserver: given member URLs are invalid",
          () -> viaFollower.memberAdd(MemberAddRequest.newBuilder().addPeerURLs(bad).build()));
    }
    assertEtcdError(
        Status.Code.INVALID_ARGUMENT,
        "etcdserver: given member URLs are invalid",
        () -> viaFollower.memberAdd(MemberAddRequest.getDefaultInstance()));
    assertEtcdError(
        Status.Code.FAILED_PRECONDITION,
        "etcdserver: too many learner members in cluster",
        () ->
            viaFollower.memberAdd(
                MemberAddRequest.newBuilder()
                    .addPeerURLs(members.peerUrl(3))
                    .setIsLearner(true)
                    .build()));
    assertEtcdError(
        Status.Code.NOT_FOUND,
        "etcdserver: member not found",
        () -> viaFollower.memberRemove(MemberRemoveRequest.newBuilder().setID(12345).build()));
    assertEtcdError(
        Status.Code.NOT_FOUND,
        "etcdserver: member not found",
        () -> viaFollower.memberPromote(MemberPromoteRequest.newBuilder().setID(12345).build()));
    assertEtcdError(
        Status.Code.FAILED_PRECONDITION,
        "etcdserver: can only promote a learner member",
        () ->
            viaFollower.memberPromote(MemberPromoteRequest.newBuilder().setID(m1.getID()).build()));
    assertEtcdError(
        Status.Code.NOT_FOUND,
        "etcdserver: member not found",
        () ->
            viaFollower.memberUpdate(
                MemberUpdateRequest.newBuilder()
                    .setID(12345)
                    .addPeerURLs(members.peerUrl(3))
                    .build()));
    assertEtcdError(
        Status.Code.FAILED_PRECONDITION,
        "etcdserver: Peer URLs already exists",
        () ->
            viaFollower.memberUpdate(
                MemberUpdateRequest.newBuilder()
                    .setID(m2.getID())
                    .addAllPeerURLs(m1.getPeerURLsList())
                    .build()));
    // A started member's peer URLs stay as they are: the same ones are accepted.
    assertEquals(
        members.list(leader),
        viaFollower
            .memberUpdate(
                MemberUpdateRequest.newBuilder()
                    .setID(m2.getID())
                    .addAllPeerURLs(m2.getPeerURLsList())
                    .build())
            .getMembersList());
    assertEquals(3, members.list(follower).size());

    // Two members added and never started: three started members are still a quorum of five,
    // not of six.
    long x =
        viaFollower
            .memberAdd(MemberAddRequest.newBuilder().addPeerURLs(members.peerUrl(3)).build())
            .getMember()
            .getID();
    long y =
        viaFollower
            .memberAdd(MemberAddRequest.newBuilder().addPeerURLs(members.peerUrl(4)).build())
            .getMember()
            .getID();
    assertEtcdError(
        Status.Code.FAILED_PRECONDITION,
        "etcdserver: re-configuration failed due to not enough started members",
        () ->
            viaFollower.memberAdd(
                MemberAddRequest.newBuilder().addPeerURLs(members.peerUrl(5)).build()));
    // An unstarted member's peer URL can change.
    List<Member> updated =
        viaFollower
            .memberUpdate(
                MemberUpdateRequest.newBuilder().setID(x).addPeerURLs(members.peerUrl(5)).build())
            .getMembersList();
    assertEquals(
        List.of(members.peerUrl(5)),
        updated.stream().filter(m -> m.getID() == x).findFirst().orElseThrow().getPeerURLsList());
    members.awaitListed(running, updated);
    // Removing unstarted members leaves the raft group as it was.
    viaFollower.memberRemove(MemberRemoveRequest.newBuilder().setID(x).build());
    List<Member> back =
        viaFollower
            .memberRemove(MemberRemoveRequest.newBuilder().setID(y).build())
            .getMembersList();
    assertEquals(3, back.size());
    members.awaitListed(running, back);
    kv(follower).put(PutRequest.newBuilder().setKey(bs("still")).setValue(bs("writes")).build());
    for (int i : running) {
      members.server(i).engine().verifyIntegrity();
    }
  }
}
