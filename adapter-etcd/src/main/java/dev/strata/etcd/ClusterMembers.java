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
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLException;

/**
 * The members of a strata-etcd cluster over the {@code raft} engine: their names (raft ids), etcd
 * member ids, client and peer addresses, as the replicated member list ({@link MemberTable}) holds
 * them, or as configured at start while the list was never written; whether this member leads (from
 * the engine's {@code raft.leader} statistic, polled), the raft term, and which member leads when
 * this one does not (asked over the etcd API: a member whose {@code Status} names itself as
 * leader). A member that finds itself gone from the replicated list was removed from the cluster
 * and stops, as an etcd member does.
 *
 * <p>Thread-safe. Owns the channels to the other members' client ports and closes them.
 */
final class ClusterMembers implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(ClusterMembers.class.getName());

  /** How often the engine's raft state is polled. */
  static final long POLL_MILLIS = 100;

  /** The scheme of peer URLs: the raft transport is plaintext gRPC. */
  static final String PEER_SCHEME = "http://";

  /** How long a member gets to answer a leader query. */
  private static final long STATUS_DEADLINE_MILLIS = 1000;

  /**
   * One member; {@code name} is empty and {@code clientAddress} null for a member added but not
   * started yet.
   */
  record Member(String name, long id, String clientAddress, String peerAddress) {
    /** The member as its {@code etcdserverpb.Member} record states it. */
    static Member of(io.etcd.jetcd.api.Member m) {
      return new Member(
          m.getName(),
          m.getID(),
          m.getClientURLsCount() == 0 ? null : hostPort(m.getClientURLs(0)),
          m.getPeerURLsCount() == 0 ? null : hostPort(m.getPeerURLs(0)));
    }

    boolean started() {
      return !name.isEmpty();
    }
  }

  private final Member self;
  private final StorageEngine engine;
  private final SslContext clientTls;
  private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
  private final ScheduledExecutorService poller;
  private volatile List<io.etcd.jetcd.api.Member> listing;
  private volatile List<Member> members;
  private volatile boolean leader;
  private volatile long term;
  private volatile Member knownLeader;
  private volatile Runnable onRemoved = () -> {};
  private final AtomicBoolean removed = new AtomicBoolean();
  private volatile boolean removalNoticed;

  /**
   * @param self this member
   * @param listing the member list: the replicated one, or the configured one when that was never
   *     written
   * @param engine the {@code raft} engine, whose raft state is polled
   * @param tls the client-side TLS of forwarded calls, or null for plaintext
   */
  ClusterMembers(
      Member self, List<io.etcd.jetcd.api.Member> listing, StorageEngine engine, SslContext tls) {
    this.self = self;
    this.engine = engine;
    this.clientTls = tls;
    this.poller =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "strata-etcd-raft-state-" + self.name());
              t.setDaemon(true);
              return t;
            });
    setListing(listing);
    poll();
  }

  /**
   * The member list of a cluster's configuration: every member named by {@code clientAddresses}
   * (raft id to client {@code host:port}) with its raft address from {@code peerAddresses} and the
   * member id derived from {@code clusterId} and its name, by ascending id.
   */
  static List<io.etcd.jetcd.api.Member> configured(
      long clusterId,
      Map<String, String> clientAddresses,
      Map<String, String> peerAddresses,
      String clientScheme) {
    List<io.etcd.jetcd.api.Member> out = new ArrayList<>();
    for (Map.Entry<String, String> e : clientAddresses.entrySet()) {
      String name = e.getKey();
      out.add(
          io.etcd.jetcd.api.Member.newBuilder()
              .setID(memberId(clusterId, name))
              .setName(name)
              .addPeerURLs(PEER_SCHEME + peerAddresses.get(name))
              .addClientURLs(clientScheme + e.getValue())
              .build());
    }
    out.sort(Comparator.comparingLong(io.etcd.jetcd.api.Member::getID));
    return out;
  }

  /**
   * The member named {@code name} (its raft id) in {@code listing}.
   *
   * @throws IllegalStateException if the list does not hold it
   */
  static Member find(List<io.etcd.jetcd.api.Member> listing, String selfName) {
    for (io.etcd.jetcd.api.Member m : listing) {
      if (m.getName().equals(selfName)) {
        return Member.of(m);
      }
    }
    throw new IllegalStateException(
        "member "
            + selfName
            + " is not in the cluster's member list: it was removed, or it was added and not"
            + " started with --initial-cluster-state existing");
  }

  /** {@code host:port} of a URL such as {@code http://127.0.0.1:2380}. */
  static String hostPort(String url) {
    URI uri = URI.create(url);
    return uri.getHost() + ":" + uri.getPort();
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
  void start(Runnable onLeadershipGained, Runnable onRemoved) {
    this.onRemoved = onRemoved;
    poller.scheduleWithFixedDelay(
        () -> {
          boolean was = leader;
          poll();
          if (!leader && (removalNoticed || isRemoved()) && removed.compareAndSet(false, true)) {
            LOG.log(
                System.Logger.Level.WARNING,
                "member " + self.name() + " was removed from the cluster: stopping");
            this.onRemoved.run();
            return;
          }
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

  /** The members, by ascending id. */
  List<Member> all() {
    return members;
  }

  /** The member list as {@code MemberList} answers it. */
  List<io.etcd.jetcd.api.Member> listing() {
    return listing;
  }

  /**
   * Takes the replicated member list read from the store; an empty one (never written) changes
   * nothing. When this member is no longer in it, it was removed: the polling thread runs {@code
   * onRemoved} once this member does not lead.
   */
  void refresh(List<io.etcd.jetcd.api.Member> replicated) {
    if (replicated.isEmpty()) {
      return;
    }
    if (!replicated.equals(listing)) {
      setListing(replicated);
    }
  }

  private synchronized void setListing(List<io.etcd.jetcd.api.Member> next) {
    List<Member> all = new ArrayList<>();
    for (io.etcd.jetcd.api.Member m : next) {
      all.add(Member.of(m));
    }
    this.listing = List.copyOf(next);
    this.members = List.copyOf(all);
  }

  /**
   * Takes the leader's notice that this member was removed: it stops at the next poll. The notice
   * is needed because a removed member no longer receives the log, so it may not read the list that
   * lacks it.
   */
  void noticeRemoved() {
    removalNoticed = true;
  }

  /** Whether the replicated list no longer holds this member. */
  boolean isRemoved() {
    for (Member m : members) {
      if (m.id() == self.id()) {
        return false;
      }
    }
    return true;
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
    if (known != null && known.id() != self.id()) {
      return known;
    }
    for (Member m : members) {
      if (m.id() == self.id() || m.clientAddress() == null) {
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
    if (knownLeader == m && m.id() != self.id()) {
      knownLeader = null;
    }
  }

  /** The channel to a member's client port, opened on first use. */
  ManagedChannel channel(Member m) {
    return channels.computeIfAbsent(m.clientAddress(), address -> open(address, clientTls));
  }

  /** A channel to a client address {@code host:port}, over TLS unless {@code tls} is null. */
  static ManagedChannel open(String address, SslContext tls) {
    int colon = address.lastIndexOf(':');
    String host = address.substring(0, colon);
    int port = Integer.parseInt(address.substring(colon + 1));
    NettyChannelBuilder b = NettyChannelBuilder.forAddress(host, port);
    if (tls != null) {
      b.sslContext(tls);
    } else {
      b.usePlaintext();
    }
    return b.maxInboundMessageSize(Integer.MAX_VALUE).build();
  }

  @Override
  public void close() {
    poller.shutdownNow();
    for (ManagedChannel channel : channels.values()) {
      channel.shutdownNow();
    }
  }
}
