package dev.strata.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.ByteString;
import dev.strata.api.Durability;
import dev.strata.tck.LoopbackPorts;
import io.etcd.jetcd.api.ClusterGrpc;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.MaintenanceGrpc;
import io.etcd.jetcd.api.Member;
import io.etcd.jetcd.api.MemberListRequest;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.StatusRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;

/**
 * Strata-etcd members over the {@code raft} engine in this JVM on loopback, for the cluster tests:
 * member {@code i} is named {@code m<i+1>} and has its own directory, raft port and client port;
 * room is made for newcomers, which get their ports up front. Closes every member it started.
 */
final class TestMembers implements AutoCloseable {
  private final Path dir;
  private final int[] raftPorts;
  private final int[] clientPorts;
  private final EtcdServer[] servers;
  private final ManagedChannel[] channels;
  private final BiFunction<Integer, EtcdServer.Config, EtcdServer.Config> customize;
  private final SslContext clientTls;

  /**
   * @param capacity how many members there may be, newcomers included
   * @param customize adds settings (TLS) to member {@code i}'s config
   * @param clientTls the TLS of the test's own channels, or null for plaintext
   */
  TestMembers(
      Path dir,
      int capacity,
      BiFunction<Integer, EtcdServer.Config, EtcdServer.Config> customize,
      SslContext clientTls)
      throws IOException {
    this.dir = dir;
    this.raftPorts = freePorts(capacity);
    this.clientPorts = freePorts(capacity);
    this.servers = new EtcdServer[capacity];
    this.channels = new ManagedChannel[capacity];
    this.customize = customize;
    this.clientTls = clientTls;
  }

  static String name(int i) {
    return "m" + (i + 1);
  }

  String peerUrl(int i) {
    return "http://127.0.0.1:" + raftPorts[i];
  }

  String clientUrl(int i) {
    return (clientTls == null ? "http" : "https") + "://127.0.0.1:" + clientPorts[i];
  }

  int clientPort(int i) {
    return clientPorts[i];
  }

  /** Gives stopped member {@code i} another client port (its next config listens there). */
  void moveClientPort(int i) {
    dropChannel(i);
    clientPorts[i] = LoopbackPorts.next();
  }

  EtcdServer server(int i) {
    return servers[i];
  }

  /** Member {@code i}'s config for a cluster of {@code members} (raft peers and clients). */
  EtcdServer.Config config(int i, List<Integer> members) {
    StringBuilder peers = new StringBuilder();
    Map<String, String> clients = new LinkedHashMap<>();
    for (int m : members) {
      peers.append(peers.length() == 0 ? "" : ",").append(name(m));
      peers.append("=127.0.0.1:").append(raftPorts[m]);
      clients.put(name(m), "127.0.0.1:" + clientPorts[m]);
    }
    return customize.apply(
        i,
        new EtcdServer.Config("raft", dir.resolve(name(i)))
            .listen("127.0.0.1", clientPorts[i])
            // The raft log's durability; the local replicas run NO_SYNC either way.
            .durability(Durability.NO_SYNC)
            .engineSetting("raft.id", name(i))
            .engineSetting("raft.peers", peers.toString())
            .engineSetting("raft.engine", "btree")
            .engineSetting("raft.maxEntryBytes", String.valueOf(16 << 20))
            .engineSetting("raft.requestTimeoutMs", "10000")
            .cluster(clients));
  }

  /** Starts members {@code 0..n-1} together, as a new cluster's members start. */
  void startNew(int n) throws Exception {
    List<Integer> all = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      all.add(i);
    }
    List<CompletableFuture<EtcdServer>> starting = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      EtcdServer.Config c = config(i, all);
      starting.add(CompletableFuture.supplyAsync(() -> EtcdServer.start(c)));
    }
    for (int i = 0; i < n; i++) {
      servers[i] = starting.get(i).get(90, TimeUnit.SECONDS);
    }
  }

  /** Starts member {@code i} with {@code config}, in place of a stopped one. */
  EtcdServer start(int i, EtcdServer.Config config) {
    servers[i] = EtcdServer.start(config);
    return servers[i];
  }

  /** Stops member {@code i} and drops the test's channel to it. */
  void stop(int i) {
    dropChannel(i);
    servers[i].close();
  }

  void dropChannel(int i) {
    if (channels[i] != null) {
      channels[i].shutdownNow();
      channels[i] = null;
    }
  }

  ManagedChannel channel(int i) {
    if (channels[i] == null) {
      NettyChannelBuilder b = NettyChannelBuilder.forAddress("127.0.0.1", clientPorts[i]);
      channels[i] = clientTls == null ? b.usePlaintext().build() : b.sslContext(clientTls).build();
    }
    return channels[i];
  }

  /** The members that member {@code i} lists. */
  List<Member> list(int i) {
    return ClusterGrpc.newBlockingStub(channel(i))
        .withDeadlineAfter(20, TimeUnit.SECONDS)
        .memberList(MemberListRequest.getDefaultInstance())
        .getMembersList();
  }

  /** Waits until every member of {@code running} lists exactly {@code expected}. */
  void awaitListed(Set<Integer> running, List<Member> expected) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    String last = "";
    while (System.nanoTime() < deadline) {
      boolean same = true;
      for (int i : running) {
        List<Member> listed = list(i);
        if (!listed.equals(expected)) {
          same = false;
          last = name(i) + " lists " + listed;
        }
      }
      if (same) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("members do not list " + expected + ": " + last);
  }

  /**
   * Waits until removed member {@code i} stopped serving (within 20 s), then checks that a write on
   * it fails as on a stopped etcd, and drops the channel to it.
   */
  void assertStops(int i) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      try {
        MaintenanceGrpc.newBlockingStub(channel(i))
            .withDeadlineAfter(2, TimeUnit.SECONDS)
            .status(StatusRequest.getDefaultInstance());
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() == Status.Code.UNAVAILABLE) {
          StatusRuntimeException write =
              assertThrows(
                  StatusRuntimeException.class,
                  () ->
                      KVGrpc.newBlockingStub(channel(i))
                          .withDeadlineAfter(5, TimeUnit.SECONDS)
                          .put(
                              PutRequest.newBuilder()
                                  .setKey(ByteString.copyFromUtf8("on-removed"))
                                  .setValue(ByteString.copyFromUtf8("z"))
                                  .build()));
          assertEquals(Status.Code.UNAVAILABLE, write.getStatus().getCode(), write.toString());
          dropChannel(i);
          return;
        }
      }
      Thread.sleep(100);
    }
    throw new AssertionError("the removed member " + name(i) + " still serves");
  }

  /** The index of the member every member of {@code running} names as leader, once they agree. */
  int awaitLeader(Set<Integer> running) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      Set<Long> named = new HashSet<>();
      for (int i : running) {
        try {
          named.add(
              MaintenanceGrpc.newBlockingStub(channel(i))
                  .withDeadlineAfter(5, TimeUnit.SECONDS)
                  .status(StatusRequest.getDefaultInstance())
                  .getLeader());
        } catch (RuntimeException e) {
          named.add(-1L);
        }
      }
      if (named.size() == 1) {
        long leader = named.iterator().next();
        for (int i : running) {
          if (servers[i].memberId() == leader) {
            return i;
          }
        }
      }
      Thread.sleep(100);
    }
    throw new AssertionError("members " + running + " agree on no leader within 30 s");
  }

  private static int[] freePorts(int n) {
    int[] ports = new int[n];
    for (int i = 0; i < n; i++) {
      ports[i] = LoopbackPorts.next();
    }
    return ports;
  }

  /**
   * Closes every member still running, side by side (each takes a raft group's close), and the
   * channels.
   */
  @Override
  public void close() {
    for (int i = 0; i < servers.length; i++) {
      dropChannel(i);
    }
    List<CompletableFuture<Void>> closing = new ArrayList<>();
    for (EtcdServer s : servers) {
      if (s != null) {
        closing.add(CompletableFuture.runAsync(s::close));
      }
    }
    CompletableFuture.allOf(closing.toArray(CompletableFuture[]::new)).join();
  }
}
