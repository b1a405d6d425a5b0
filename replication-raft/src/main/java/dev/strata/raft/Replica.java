package dev.strata.raft;

import dev.strata.api.Durability;
import dev.strata.api.EngineClosedException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.ExitUtils;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;

/**
 * One Ratis server in one group, and the few requests the engine sends to it: a write entry, a read
 * index, leader look-ups. Requests go straight to this replica's own server (never through a client
 * that would follow the leader elsewhere), so a write either runs on this leader or fails here.
 */
final class Replica implements AutoCloseable {
  /** The system property that sets the common fork-join pool's parallelism. */
  static final String COMMON_POOL_PARALLELISM =
      "java.util.concurrent.ForkJoinPool.common.parallelism";

  private static final System.Logger LOG = System.getLogger(Replica.class.getName());
  private static final AtomicBoolean warnedThreadPerStage = new AtomicBoolean();

  private final RaftSettings settings;
  private final RaftServer server;
  private final RaftGroupId groupId;
  private final RaftPeerId selfId;
  private final ClientId clientId = ClientId.randomId();
  private final AtomicLong callIds = new AtomicLong();

  Replica(RaftSettings settings, Path raftDir, StoreStateMachine stateMachine) throws IOException {
    this.settings = settings;
    this.groupId = RaftGroupId.valueOf(settings.groupId);
    this.selfId = RaftPeerId.valueOf(settings.id);
    List<RaftPeer> peers = new ArrayList<>();
    for (Map.Entry<String, String> p : settings.peers.entrySet()) {
      peers.add(RaftPeer.newBuilder().setId(p.getKey()).setAddress(p.getValue()).build());
    }
    // A replica that joins a running group starts its first time in no configuration at all, so
    // Ratis keeps it waiting for the leader instead of letting it campaign: a campaign from a
    // replica outside the leader's configuration is answered with an order to shut down. Once the
    // leader has added it, its log (and, after a restart, its stored configuration) says who the
    // members are.
    boolean firstJoin =
        settings.join && !Files.exists(raftDir.resolve(groupId.getUuid().toString()));
    this.server =
        RaftServer.newBuilder()
            .setServerId(selfId)
            .setGroup(firstJoin ? RaftGroup.valueOf(groupId) : RaftGroup.valueOf(groupId, peers))
            .setStateMachine(stateMachine)
            .setProperties(properties(settings, raftDir))
            .setOption(RaftStorage.StartupOption.RECOVER)
            .build();
  }

  private static RaftProperties properties(RaftSettings settings, Path raftDir) {
    RaftProperties p = new RaftProperties();
    RaftConfigKeys.Rpc.setType(p, SupportedRpcType.GRPC);
    GrpcConfigKeys.Server.setPort(p, settings.port());
    RaftServerConfigKeys.setStorageDir(p, List.of(raftDir.toFile()));
    TimeDuration min = TimeDuration.valueOf(settings.electionMinMs, TimeUnit.MILLISECONDS);
    TimeDuration max = TimeDuration.valueOf(settings.electionMaxMs, TimeUnit.MILLISECONDS);
    RaftServerConfigKeys.Rpc.setTimeoutMin(p, min);
    RaftServerConfigKeys.Rpc.setTimeoutMax(p, max);
    RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMin(
        p, TimeDuration.valueOf(settings.firstElectionMinMs, TimeUnit.MILLISECONDS));
    RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMax(
        p, TimeDuration.valueOf(settings.firstElectionMaxMs, TimeUnit.MILLISECONDS));
    RaftServerConfigKeys.Rpc.setRequestTimeout(
        p, TimeDuration.valueOf(settings.requestTimeoutMs, TimeUnit.MILLISECONDS));
    // An entry goes to the followers as soon as it is in the leader's log. Ratis' default keeps at
    // least 1 ms between two requests to a follower, and a lone committer pays nearly all of it on
    // every commit, since the request carrying the previous commit index left just before.
    RaftServerConfigKeys.Log.Appender.setWaitTimeMin(p, TimeDuration.ZERO);
    RaftServerConfigKeys.Read.setOption(p, RaftServerConfigKeys.Read.Option.LINEARIZABLE);
    RaftServerConfigKeys.Read.setTimeout(
        p, TimeDuration.valueOf(settings.requestTimeoutMs, TimeUnit.MILLISECONDS));
    // SYNC: the log is fsynced before an entry counts towards the majority; NO_SYNC: written, not
    // forced (a replica's crash can then lose entries the others still hold).
    RaftServerConfigKeys.Log.setUnsafeFlushEnabled(p, settings.logDurability == Durability.NO_SYNC);
    // Every limit on the way of one entry is raised to raft.maxEntryBytes, so the largest
    // transaction accepted travels as one entry. The log's write buffer (direct memory, one per
    // replica) must hold a whole entry, which is why the limit is a setting and not the largest
    // possible value.
    long entry = settings.maxEntryBytes;
    long framed = entry + 64 * 1024;
    RaftServerConfigKeys.Log.setWriteBufferSize(p, SizeInBytes.valueOf(framed + 8));
    RaftServerConfigKeys.Log.Appender.setBufferByteLimit(p, SizeInBytes.valueOf(framed));
    RaftServerConfigKeys.Log.setSegmentSizeMax(p, SizeInBytes.valueOf(settings.logSegmentBytes));
    RaftServerConfigKeys.Log.setQueueByteLimit(
        p, SizeInBytes.valueOf(Math.max(64L << 20, 2 * framed)));
    RaftServerConfigKeys.Write.setByteLimit(
        p, SizeInBytes.valueOf(Math.max(64L << 20, 2 * framed)));
    // Snapshots travel as 1 MiB file chunks, one chunk per message, so an install request always
    // fits the message limit.
    RaftServerConfigKeys.Log.Appender.setSnapshotChunkSizeMax(p, SizeInBytes.valueOf(1 << 20));
    GrpcConfigKeys.Server.setInstallSnapshotRequestElementLimit(p, 1);
    GrpcConfigKeys.setMessageSizeMax(p, SizeInBytes.valueOf(Math.max(framed, 1 << 20) + (1 << 20)));
    // A snapshot every raft.snapshotEveryEntries applied entries, and the log purged up to it: a
    // replica behind the purged part catches up by installing the snapshot.
    RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, settings.snapshotEveryEntries > 0);
    if (settings.snapshotEveryEntries > 0) {
      RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, settings.snapshotEveryEntries);
      RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, true);
      RaftServerConfigKeys.Log.setPurgeGap(
          p, (int) Math.min(Integer.MAX_VALUE, settings.snapshotEveryEntries));
    }
    return p;
  }

  /**
   * Starts the server.
   *
   * @throws IOException if it cannot start, including when its address cannot be bound
   */
  void start() throws IOException {
    warnOnThreadPerStage();
    // Ratis ends the whole JVM (System.exit) when its gRPC server cannot bind; an embedded library
    // must never do that to its host, so Ratis is told to throw instead, and the failure is this
    // replica's open failing.
    ExitUtils.disableSystemExit();
    try {
      server.start();
    } catch (ExitUtils.ExitException e) {
      throw new IOException(
          "raft replica "
              + settings.id
              + " cannot serve at "
              + settings.peers.get(settings.id)
              + ": "
              + e.getMessage(),
          e);
    }
  }

  /**
   * Ratis runs asynchronous stages on the common fork-join pool (one per entry a follower appends).
   * With a parallelism below 2 (the default on a JVM with fewer than three processors) that pool is
   * replaced by a new thread per stage, which costs every replicated commit; Strata's own launchers
   * raise it, an application embedding the engine is told once how to.
   */
  private static void warnOnThreadPerStage() {
    if (ForkJoinPool.getCommonPoolParallelism() < 2 && !warnedThreadPerStage.getAndSet(true)) {
      LOG.log(
          System.Logger.Level.WARNING,
          "the common fork-join pool has parallelism "
              + ForkJoinPool.getCommonPoolParallelism()
              + ", so Ratis starts a thread for each asynchronous stage of every replicated entry;"
              + " start this JVM with -D"
              + COMMON_POOL_PARALLELISM
              + "=2 or more");
    }
  }

  String id() {
    return settings.id;
  }

  private RaftServer.Division division() {
    try {
      return server.getDivision(groupId);
    } catch (IOException e) {
      throw new EngineClosedException("raft replica " + settings.id + " is closed");
    }
  }

  DivisionInfo info() {
    return division().getInfo();
  }

  /** The last index the group has committed, as this replica knows it. */
  long commitIndex() {
    return division().getRaftLog().getLastCommittedIndex();
  }

  /** The first index still in this replica's log (entries before it were purged). */
  long logStartIndex() {
    return division().getRaftLog().getStartIndex();
  }

  /** The exception for a write attempted here while another replica leads. */
  NotLeaderException notLeader() {
    RaftPeerId leader = info().getLeaderId();
    String leaderId = leader == null ? null : leader.toString();
    return new NotLeaderException(
        settings.id, leaderId, leaderId == null ? null : members().get(leaderId));
  }

  /** The group's current members, id to address, as this replica knows them. */
  Map<String, String> members() {
    Map<String, String> out = new java.util.TreeMap<>();
    for (RaftPeer p : division().getRaftConf().getAllPeers()) {
      out.put(p.getId().toString(), p.getAddress());
    }
    return out;
  }

  /**
   * Replaces the group's members (Ratis {@code setConfiguration}); returns once the new
   * configuration is committed, which includes new members catching up with the log.
   */
  void setMembers(Map<String, String> members) throws IOException {
    List<RaftPeer> peers = new ArrayList<>();
    for (Map.Entry<String, String> p : members.entrySet()) {
      peers.add(RaftPeer.newBuilder().setId(p.getKey()).setAddress(p.getValue()).build());
    }
    RaftClientReply reply =
        server.setConfiguration(
            new org.apache.ratis.protocol.SetConfigurationRequest(
                clientId, selfId, groupId, callIds.incrementAndGet(), peers));
    if (!reply.isSuccess()) {
      throw new ReplicationException(
          "replica " + settings.id + " could not change the members to " + members,
          reply.getException());
    }
  }

  /** Submits one write entry to this replica's server; the reply comes after the leader applied. */
  CompletableFuture<RaftClientReply> submitWrite(byte[] entry) {
    return submit(
        request(
            RaftClientRequest.writeRequestType(),
            Message.valueOf(UnsafeByteOperations.unsafeWrap(entry))));
  }

  /**
   * Waits until this replica has applied everything the group committed before the call (Ratis read
   * index; on a follower the leader is asked for its commit index).
   *
   * @throws ReplicationException if no read index could be had within the request timeout
   */
  void awaitReadIndex() {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(settings.requestTimeoutMs);
    Throwable last = null;
    while (System.nanoTime() < deadline) {
      RaftClientReply reply;
      try {
        reply =
            Waits.await(
                submit(request(RaftClientRequest.readRequestType(), Message.EMPTY)), deadline);
      } catch (TimeoutException e) {
        break;
      } catch (ExecutionException e) {
        last = e.getCause();
        if (server.getLifeCycleState().isClosingOrClosed()) {
          throw new EngineClosedException("raft replica " + settings.id + " is closed");
        }
        Waits.pause(20);
        continue;
      }
      if (reply.isSuccess()) {
        return;
      }
      last = reply.getException();
      Waits.pause(20);
    }
    throw new ReplicationException(
        "replica "
            + settings.id
            + " got no read index within "
            + settings.requestTimeoutMs
            + " ms (no leader or no quorum)",
        last);
  }

  private CompletableFuture<RaftClientReply> submit(RaftClientRequest request) {
    try {
      return server.submitClientRequestAsync(request);
    } catch (IOException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private RaftClientRequest request(RaftClientRequest.Type type, Message message) {
    return RaftClientRequest.newBuilder()
        .setClientId(clientId)
        .setServerId(selfId)
        .setGroupId(groupId)
        .setCallId(callIds.incrementAndGet())
        .setMessage(message)
        .setType(type)
        .build();
  }

  /** Asks Ratis to hand leadership to {@code target}; returns once it reports the outcome. */
  boolean transferLeadership(String target, long timeoutMs) throws IOException {
    var req =
        new org.apache.ratis.protocol.TransferLeadershipRequest(
            clientId,
            selfId,
            groupId,
            callIds.incrementAndGet(),
            RaftPeerId.valueOf(target),
            timeoutMs);
    return server.transferLeadership(req).isSuccess();
  }

  UUID groupUuid() {
    return settings.groupId;
  }

  /**
   * Stops the server once its log writer is idle. Ratis' log writer frees its direct write buffer
   * when the server closes, after waiting at most three seconds for the writer thread; a writer
   * still busy then (a large entry on a loaded machine) would write into freed memory and crash the
   * JVM. So the close first waits, bounded by the request timeout, until every appended entry is
   * flushed.
   */
  @Override
  public void close() throws IOException {
    try {
      var log = division().getRaftLog();
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(settings.requestTimeoutMs);
      while (System.nanoTime() < deadline) {
        var last = log.getLastEntryTermIndex();
        if (last == null || log.getFlushIndex() >= last.getIndex()) {
          break;
        }
        Waits.pause(5);
      }
    } catch (RuntimeException notRunning) {
      // The group is gone already (start failed, or closed): nothing is being written.
    }
    server.close();
  }
}
