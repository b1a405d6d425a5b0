package dev.strata.etcd;

import dev.strata.api.StorageEngine;
import io.etcd.jetcd.api.MaintenanceGrpc;
import io.etcd.jetcd.api.StatusRequest;
import io.etcd.jetcd.api.StatusResponse;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.handler.ssl.SslContext;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * The members of a strata-etcd cluster over the {@code raft} engine: their names (raft ids), etcd
 * member ids, client and peer addresses; whether this member leads (from the engine's {@code
 * raft.leader} statistic, polled), the raft term, and which member leads when this one does not
 * (asked over the etcd API: a member whose {@code Status} names itself as leader).
 *
 * <p>Thread-safe. Owns the channels to the other members' client ports and closes them.
 */
final class ClusterMembers implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(ClusterMembers.class.getName());

  /** How often the engine's raft state is polled. */
  static final long POLL_MILLIS = 100;

  /** How long a member gets to answer a leader query. */
  private static final long STATUS_DEADLINE_MILLIS = 1000;

  /** One member. */
  record Member(String name, long id, String clientAddress, String peerAddress) {}

  private final Member self;
  private final Map<String, Member> members;
  private final StorageEngine engine;
  private final SslContext clientTls;
  private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
  private final ScheduledExecutorService poller;
  private volatile boolean leader;
  private volatile long term;
  private volatile Member knownLeader;

  /**
   * @param selfName this member's raft id
   * @param clientAddresses every member's client {@code host:port} by raft id
   * @param peerAddresses every member's raft {@code host:port} by raft id
   * @param clusterId the store's cluster id, from which member ids derive
   * @param tls the client-side TLS of forwarded calls, or null for plaintext
   */
  ClusterMembers(
      String selfName,
      Map<String, String> clientAddresses,
      Map<String, String> peerAddresses,
      long clusterId,
      StorageEngine engine,
      SslContext tls) {
    Map<String, Member> all = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : clientAddresses.entrySet()) {
      String name = e.getKey();
      all.put(
          name, new Member(name, memberId(clusterId, name), e.getValue(), peerAddresses.get(name)));
    }
    this.members = all;
    this.self = all.get(selfName);
    this.engine = engine;
    this.clientTls = tls;
    this.poller =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "strata-etcd-raft-state-" + selfName);
              t.setDaemon(true);
              return t;
            });
    poll();
  }

  /** The etcd member id of {@code name}: stable for the cluster, non-zero, distinct per name. */
  static long memberId(long clusterId, String name) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(KeyLayout.longBytes(clusterId));
      sha.update(name.getBytes(StandardCharsets.UTF_8));
      long id = KeyLayout.longOf(sha.digest(), 0) & Long.MAX_VALUE;
      return id == 0 ? 1 : id;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing", e);
    }
  }

  /** Client-side TLS for forwarded calls: the server's own certificate as client certificate. */
  static SslContext clientTls(Path certFile, Path keyFile, Path trustedCaFile) {
    try {
      var builder = GrpcSslContexts.forClient().keyManager(certFile.toFile(), keyFile.toFile());
      if (trustedCaFile != null) {
        builder.trustManager(trustedCaFile.toFile());
      }
      return builder.build();
    } catch (SSLException e) {
      throw new IllegalArgumentException("cannot set up TLS to the other members: " + e, e);
    }
  }

  /**
   * Starts polling the engine's raft state; {@code onLeadershipGained} runs on the polling thread
   * each time this member becomes leader.
   */
  void start(Runnable onLeadershipGained) {
    poller.scheduleWithFixedDelay(
        () -> {
          boolean was = leader;
          poll();
          if (leader && !was) {
            try {
              onLeadershipGained.run();
            } catch (RuntimeException e) {
              LOG.log(System.Logger.Level.ERROR, "taking over as leader failed", e);
            }
          }
        },
        POLL_MILLIS,
        POLL_MILLIS,
        TimeUnit.MILLISECONDS);
  }

  private void poll() {
    try {
      Map<String, Number> stats = engine.stats();
      Number isLeader = stats.get("raft.leader");
      Number currentTerm = stats.get("raft.term");
      leader = isLeader != null && isLeader.intValue() == 1;
      if (currentTerm != null && currentTerm.longValue() != term) {
        term = currentTerm.longValue();
        knownLeader = null;
      }
      if (leader) {
        knownLeader = self;
      }
    } catch (RuntimeException e) {
      // A closed or failing engine leads nothing; requests report the engine's own error.
      leader = false;
    }
  }

  Member self() {
    return self;
  }

  Collection<Member> all() {
    return members.values();
  }

  boolean isLeader() {
    return leader;
  }

  long term() {
    return term;
  }

  /** The engine's raft statistic {@code raft.<name>}, or 0. */
  long raftStat(String name) {
    try {
      Number n = engine.stats().get("raft." + name);
      return n == null ? 0 : n.longValue();
    } catch (RuntimeException e) {
      return 0;
    }
  }

  /**
   * The leader as far as this member can tell: itself, the one found last, or one found now by
   * asking the others' {@code Status}; null when none answers as leader.
   */
  Member leader() {
    if (leader) {
      return self;
    }
    Member known = knownLeader;
    if (known != null && known != self) {
      return known;
    }
    for (Member m : members.values()) {
      if (m == self) {
        continue;
      }
      try {
        StatusResponse status =
            // Marked as forwarded: the member answers from what it knows, without asking on.
            MaintenanceGrpc.newBlockingStub(Forwarder.marked(channel(m), self.name(), null))
                .withDeadlineAfter(STATUS_DEADLINE_MILLIS, TimeUnit.MILLISECONDS)
                .status(StatusRequest.getDefaultInstance());
        if (status.getLeader() == m.id() && status.getHeader().getMemberId() == m.id()) {
          knownLeader = m;
          return m;
        }
      } catch (StatusRuntimeException e) {
        // Down or not answering: ask the next one.
      }
    }
    return null;
  }

  /** The leader as far as this member knows without asking: itself, the one found last, or null. */
  Member knownLeader() {
    return leader ? self : knownLeader;
  }

  /** Forgets the leader found last, after it refused or failed a forwarded call. */
  void forgetLeader(Member m) {
    if (knownLeader == m && m != self) {
      knownLeader = null;
    }
  }

  /** The channel to a member's client port, opened on first use. */
  ManagedChannel channel(Member m) {
    return channels.computeIfAbsent(
        m.name(),
        name -> {
          int colon = m.clientAddress().lastIndexOf(':');
          String host = m.clientAddress().substring(0, colon);
          int port = Integer.parseInt(m.clientAddress().substring(colon + 1));
          NettyChannelBuilder b = NettyChannelBuilder.forAddress(host, port);
          if (clientTls != null) {
            b.sslContext(clientTls);
          } else {
            b.usePlaintext();
          }
          return b.maxInboundMessageSize(Integer.MAX_VALUE).build();
        });
  }

  @Override
  public void close() {
    poller.shutdownNow();
    for (ManagedChannel channel : channels.values()) {
      channel.shutdownNow();
    }
  }
}
