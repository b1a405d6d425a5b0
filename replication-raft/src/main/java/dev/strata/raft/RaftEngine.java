package dev.strata.raft;

import dev.strata.api.Capability;
import dev.strata.api.EngineClosedException;
import dev.strata.api.EngineFailedException;
import dev.strata.api.EngineOptions;
import dev.strata.api.ReadTxn;
import dev.strata.api.StorageEngine;
import dev.strata.api.StorageEngines;
import dev.strata.api.StorageException;
import dev.strata.api.StorageIOException;
import dev.strata.api.WriteAmplificationMeter;
import dev.strata.api.WriteTxn;
import dev.strata.api.spi.DirectoryLock;
import dev.strata.api.spi.InterruptShield;
import dev.strata.api.spi.StoreFiles;
import dev.strata.api.spi.WriterGate;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.server.DivisionInfo;

/**
 * The {@code raft} engine: one replica of a Strata store replicated over an Apache Ratis (Raft)
 * group, keeping its state in a local Strata engine chosen by {@code raft.engine}. Code written for
 * a single-node engine runs on it unchanged; the differences are below.
 *
 * <h2>Options</h2>
 *
 * <ul>
 *   <li>{@code raft.id} (required): this replica's id, one of the ids in {@code raft.peers}.
 *   <li>{@code raft.peers} (required): {@code id=host:port,...}, the group's initial members (the
 *       same on every replica). This replica listens on its own entry's port.
 *   <li>{@code raft.engine} (required): the local engine's name ({@code btree}, {@code lsm}, {@code
 *       ledger}, ...), opened with {@link StorageEngines#open} in {@code directory/data}; it must
 *       be on the class path.
 *   <li>{@code raft.group}: the group's name (default {@code strata}); replicas of one group use
 *       the same name.
 *   <li>{@code raft.reads}: {@code linearizable} (default) or {@code local}.
 *   <li>{@code raft.localDurability}: the local engine's durability, {@code NO_SYNC} (default: the
 *       Raft log carries durability, see below) or {@code SYNC}.
 *   <li>{@code raft.electionTimeoutMinMs} / {@code raft.electionTimeoutMaxMs}: the randomized
 *       election timeout (default 1000 / 2000 ms).
 *   <li>{@code raft.firstElectionTimeoutMinMs} / {@code raft.firstElectionTimeoutMaxMs}: the
 *       election timeout right after start (default: the election timeout), so a preferred replica
 *       can win the first election quickly while ordinary timeouts stay long enough for large
 *       entries.
 *   <li>{@code raft.requestTimeoutMs}: how long a commit or a read index waits for the group
 *       (default 30000 ms).
 *   <li>{@code raft.maxEntryBytes}: the largest encoded transaction (default 64 MiB, at most 1
 *       GiB). A transaction is one log entry, and each replica's log keeps a direct write buffer of
 *       this size; a larger commit throws {@link IllegalArgumentException} and writes nothing. To
 *       store values near {@code Limits.MAX_VALUE_SIZE}, raise it above that.
 * </ul>
 *
 * Every setting outside {@code raft.} is passed to the local engine unchanged. {@link
 * EngineOptions#durability()} applies to the Raft log.
 *
 * <h2>Writes run on the leader</h2>
 *
 * {@link #beginWrite()} on a replica that is not the leader throws {@link NotLeaderException}
 * naming the leader: writes are not forwarded, because a forwarded transaction could not read its
 * own snapshot locally. On the leader it waits until the replica has applied everything the group
 * committed, then takes a snapshot of the local store; writes are buffered in the transaction.
 * {@link WriteTxn#commit()} submits them as one log entry and returns once a majority has the entry
 * (fsynced under {@code SYNC}) and this replica has applied it. Write transactions are serial, as
 * on every engine.
 *
 * <h2>Applying</h2>
 *
 * Each entry is applied on every replica as one local write transaction that also stores the
 * applied log index under a reserved key (see {@code AppliedMark}: the single key of {@code
 * MAX_KEY_SIZE} bytes all {@code 0xFF} is refused to users and never shown). Replay after a crash
 * skips what was applied, so the local engine may run {@code NO_SYNC}: after a crash it may lose
 * its latest applies, and the Raft log brings them back.
 *
 * <h2>Leadership loss</h2>
 *
 * An entry takes effect only if the leader that built it appended it in the same term and nothing
 * took effect since its snapshot; otherwise every replica applies it as a no-op. A commit whose
 * leader loses leadership waits until this replica applies an entry of a later term (after which
 * the entry's fate is settled everywhere) and then either returns (the entry took effect) or throws
 * {@link LeadershipLostException} (it never will). If the group cannot settle it within {@code
 * raft.requestTimeoutMs}, the commit throws {@link ReplicationException} and its outcome is
 * unknown, as with any replicated store that loses its quorum.
 *
 * <h2>Reads</h2>
 *
 * With {@code raft.reads=linearizable} {@link #beginRead()} first obtains a Ratis read index (on a
 * follower, from the leader) and waits until this replica applied up to it, so a read sees every
 * commit acknowledged before it began, on any replica. With {@code local}, it reads the local
 * replica's applied state at once, possibly behind the leader. A read transaction is then an
 * ordinary snapshot of the local store.
 *
 * <h2>Scope of the other calls</h2>
 *
 * {@link #verifyIntegrity()} checks the local replica (its local store and its applied mark), not
 * the other replicas. {@link #backup(Path)} copies the local replica's applied state; the copy
 * opens as a {@code raft} store: to restore a group, copy it into each replica's directory and open
 * them with the same {@code raft.peers}, and they start a new log from that state. {@link #meter()}
 * counts this replica: logical bytes of the transactions it applied, physical bytes of its Raft log
 * entries (varint length, entry, CRC) plus its local engine's, and syncs of its Raft log plus its
 * local engine's. {@link #stats()} gives this replica's Raft state ({@code raft.*}) and its local
 * engine's stats ({@code local.*}).
 *
 * <p>{@code readOnly} opens the local store alone, without joining the group: reads are local.
 *
 * <p>Thread-safe, like every engine; a transaction belongs to one thread at a time.
 */
public final class RaftEngine implements StorageEngine {
  static final String STORE_FILE = "raft-store.properties";
  static final String LOG_ID_FILE = "strata-log-id";

  private final Path directory;
  private final RaftSettings settings;
  private final DirectoryLock lock;
  private final LocalStore local;
  private final StoreStateMachine stateMachine;
  private final Replica replica;
  private final WriterGate gate;
  private final WriteAmplificationMeter meter;
  private final boolean readOnly;
  private volatile boolean closed;

  RaftEngine(Path directory, EngineOptions options) {
    this.settings = RaftSettings.parse(options);
    this.directory = directory;
    this.readOnly = options.readOnly();
    this.gate = new WriterGate("raft replica " + settings.id + " at " + directory);
    Path storeFile = directory.resolve(STORE_FILE);
    if (!Files.exists(storeFile)) {
      if (!options.createIfMissing() || readOnly) {
        throw new StorageException(
            "no raft store at " + directory + " (missing " + STORE_FILE + ")");
      }
      try {
        Files.createDirectories(directory);
      } catch (IOException e) {
        throw new StorageIOException("cannot create " + directory, e);
      }
    }
    this.lock = DirectoryLock.acquire(directory.resolve("raft.lock"), "raft store " + directory);
    LocalStore openedLocal = null;
    Replica openedReplica = null;
    try {
      StoreDescriptor.checkOrCreate(storeFile, settings.localEngine);
      openedLocal =
          new LocalStore(
              settings.localEngine,
              directory.resolve("data"),
              RaftSettings.localOptions(options, settings.localDurability));
      this.local = openedLocal;
      this.meter = new WriteAmplificationMeter();
      UUID logId = readOnly ? new UUID(0, 0) : logId(directory.resolve("raft"));
      this.stateMachine =
          new StoreStateMachine(
              local, logId, meter, settings.logDurability, settings.onlineSnapshots);
      if (!readOnly) {
        openedReplica = new Replica(settings, directory.resolve("raft"), stateMachine);
        openedReplica.start();
      }
      this.replica = openedReplica;
    } catch (IOException | RuntimeException | Error e) {
      closeQuietly(openedReplica, e);
      closeQuietly(openedLocal, e);
      lock.close();
      if (e instanceof IOException io) {
        throw new StorageIOException(
            "cannot start raft replica " + settings.id + " at " + directory, io);
      }
      if (e instanceof Error err) {
        throw err;
      }
      throw (RuntimeException) e;
    }
  }

  private static void closeQuietly(AutoCloseable c, Throwable into) {
    if (c != null) {
      try {
        c.close();
      } catch (Exception suppressed) {
        into.addSuppressed(suppressed);
      }
    }
  }

  /**
   * The id of the Raft log this replica's indexes refer to: created with a fresh log, so a store
   * seeded from elsewhere is recognised as such (see {@link StoreStateMachine}).
   */
  private static UUID logId(Path raftDir) throws IOException {
    Path file = raftDir.resolve(LOG_ID_FILE);
    if (Files.exists(file)) {
      return UUID.fromString(Files.readString(file).trim());
    }
    Files.createDirectories(raftDir);
    UUID id = UUID.randomUUID();
    StoreDescriptor.writeDurably(file, id.toString());
    return id;
  }

  // ---- identity ----

  @Override
  public String name() {
    return "raft";
  }

  @Override
  public Set<Capability> capabilities() {
    return Collections.unmodifiableSet(EnumSet.of(Capability.PERSISTENT, Capability.BACKUP));
  }

  /**
   * Returns this replica's id.
   *
   * @return the {@code raft.id} it was opened with
   */
  public String replicaId() {
    return settings.id;
  }

  /**
   * Tells whether this replica is the leader now and has committed an entry of its term, so {@link
   * #beginWrite()} would start a transaction here.
   *
   * @return true on a ready leader
   * @throws EngineClosedException if the engine is closed
   */
  public boolean isLeader() {
    checkOpen();
    if (replica == null) {
      return false;
    }
    DivisionInfo info = replica.info();
    return info.isLeader() && info.isLeaderReady();
  }

  /**
   * Returns the leader's id as this replica knows it.
   *
   * @return the leader's {@code raft.id}, or null while no leader is known (or when read-only)
   * @throws EngineClosedException if the engine is closed
   */
  public String leaderId() {
    checkOpen();
    if (replica == null) {
      return null;
    }
    var leader = replica.info().getLeaderId();
    return leader == null ? null : leader.toString();
  }

  /**
   * Asks the group to make {@code targetId} the leader, and waits up to {@code timeoutMillis} for
   * the outcome. Open write transactions on the old leader fail at commit.
   *
   * @param targetId a member's {@code raft.id}
   * @param timeoutMillis how long to wait
   * @return true if {@code targetId} became the leader
   * @throws EngineClosedException if the engine is closed
   * @throws ReplicationException if the request could not be made
   */
  public boolean transferLeadership(String targetId, long timeoutMillis) {
    Objects.requireNonNull(targetId, "targetId");
    checkOpen();
    if (replica == null) {
      throw new UnsupportedOperationException("a read-only raft replica is not in the group");
    }
    try {
      return replica.transferLeadership(targetId, timeoutMillis);
    } catch (IOException e) {
      throw new ReplicationException("leadership transfer to " + targetId + " failed", e);
    }
  }

  // ---- membership ----

  /**
   * Returns the group's current members as this replica knows them.
   *
   * @return replica id to {@code host:port}, sorted by id; a new map
   * @throws EngineClosedException if the engine is closed
   */
  public Map<String, String> members() {
    checkOpen();
    if (replica == null) {
      return new TreeMap<>(settings.peers);
    }
    return replica.members();
  }

  /**
   * Adds a replica to the group. Start the newcomer first, with {@code raft.peers} listing the new
   * membership (the current members and itself) and an empty directory; this call, on the leader,
   * then returns once the newcomer has caught up with the log and the new membership is committed.
   *
   * @param id the newcomer's {@code raft.id}
   * @param address its {@code host:port}
   * @throws NotLeaderException if this replica is not the leader
   * @throws IllegalArgumentException if {@code id} is a member already
   * @throws ReplicationException if the group did not commit the change
   */
  public void addReplica(String id, String address) {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(address, "address");
    Map<String, String> next = members();
    if (next.containsKey(id)) {
      throw new IllegalArgumentException("replica " + id + " is a member already");
    }
    RaftSettings.parsePeers(id + "=" + address);
    next.put(id, address);
    changeMembers(next);
  }

  /**
   * Removes a replica from the group; on the leader. The removed replica stops receiving the log
   * and should then be closed; its directory is no longer part of the group.
   *
   * @param id the member to remove
   * @throws NotLeaderException if this replica is not the leader
   * @throws IllegalArgumentException if {@code id} is not a member, or is the last one
   * @throws ReplicationException if the group did not commit the change
   */
  public void removeReplica(String id) {
    Objects.requireNonNull(id, "id");
    Map<String, String> next = members();
    if (next.remove(id) == null || next.isEmpty()) {
      throw new IllegalArgumentException(
          "replica " + id + " is not a removable member of " + next.keySet());
    }
    changeMembers(next);
  }

  private void changeMembers(Map<String, String> next) {
    InterruptShield.enter();
    try {
      checkOpen();
      if (replica == null) {
        throw new UnsupportedOperationException("a read-only raft replica is not in the group");
      }
      if (!replica.info().isLeader()) {
        throw replica.notLeader();
      }
      replica.setMembers(next);
    } catch (IOException e) {
      throw new ReplicationException("membership change to " + next.keySet() + " failed", e);
    } finally {
      InterruptShield.exit();
    }
  }

  // ---- transactions ----

  @Override
  public ReadTxn beginRead() {
    InterruptShield.enter();
    try {
      checkOpen();
      checkHealthy();
      if (replica != null && settings.reads == RaftSettings.Reads.LINEARIZABLE) {
        replica.awaitReadIndex();
        checkOpen();
      }
      return new RaftReadTxn(local.beginRead());
    } finally {
      InterruptShield.exit();
    }
  }

  @Override
  public WriteTxn beginWrite() {
    InterruptShield.enter();
    try {
      checkOpen();
      if (readOnly) {
        throw new UnsupportedOperationException("the raft store at " + directory + " is read-only");
      }
      checkHealthy();
      gate.acquire();
      boolean started = false;
      try {
        long term = awaitReadyLeader();
        ReadTxn base;
        long baseDataIndex;
        stateMachine.applyLock.lock();
        try {
          baseDataIndex = stateMachine.lastDataIndex();
          base = local.beginRead();
        } finally {
          stateMachine.applyLock.unlock();
        }
        started = true;
        return new RaftWriteTxn(this, base, term, baseDataIndex);
      } finally {
        if (!started) {
          gate.release();
        }
      }
    } finally {
      InterruptShield.exit();
    }
  }

  /**
   * Waits until this replica is a ready leader that applied everything committed; returns its term.
   */
  private long awaitReadyLeader() {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(settings.requestTimeoutMs);
    while (true) {
      checkOpen();
      DivisionInfo info = replica.info();
      if (!info.isLeader()) {
        throw replica.notLeader();
      }
      long term = info.getCurrentTerm();
      if (info.isLeaderReady() && stateMachine.appliedIndex() >= replica.commitIndex()) {
        return term;
      }
      if (System.nanoTime() > deadline) {
        throw new ReplicationException(
            "replica " + settings.id + " leads term " + term + " but did not get ready in time");
      }
      Waits.pause(2);
    }
  }

  /** Called by a write transaction's commit with its writes in key order. */
  void replicate(long term, long baseDataIndex, long logicalBytes, List<WriteBatch.Op> ops) {
    InterruptShield.enter();
    try {
      checkHealthy();
      DivisionInfo info = replica.info();
      if (!info.isLeader() || info.getCurrentTerm() != term) {
        throw new LeadershipLostException(
            "replica "
                + settings.id
                + " lost leadership of term "
                + term
                + " before the commit; nothing was written");
      }
      UUID txnId = UUID.randomUUID();
      byte[] entry = new WriteBatch(term, baseDataIndex, txnId, logicalBytes, ops).encode();
      if (entry.length > settings.maxEntryBytes) {
        throw new IllegalArgumentException(
            "the transaction encodes to "
                + entry.length
                + " bytes, over raft.maxEntryBytes ("
                + settings.maxEntryBytes
                + "); nothing was written");
      }
      CompletableFuture<Boolean> outcome = stateMachine.expect(txnId);
      try {
        awaitOutcome(term, outcome, replica.submitWrite(entry));
      } finally {
        stateMachine.forget(txnId);
      }
    } finally {
      InterruptShield.exit();
    }
  }

  private void awaitOutcome(
      long term, CompletableFuture<Boolean> outcome, CompletableFuture<RaftClientReply> reply) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(settings.requestTimeoutMs);
    boolean replyFailed = false;
    while (true) {
      if (outcome.isDone()) {
        boolean effective;
        try {
          effective = outcome.join();
        } catch (RuntimeException e) {
          throw closedOrFailed(e);
        }
        if (effective) {
          return;
        }
        throw new LeadershipLostException(
            "replica "
                + settings.id
                + " lost leadership of term "
                + term
                + "; the transaction was applied nowhere");
      }
      if (!replyFailed && reply.isDone()) {
        RaftClientReply r = reply.exceptionally(t -> null).join();
        replyFailed = r == null || !r.isSuccess();
      }
      if (replyFailed && stateMachine.appliedTerm() > term && !outcome.isDone()) {
        throw new LeadershipLostException(
            "replica "
                + settings.id
                + " lost leadership of term "
                + term
                + " before the commit; nothing was written");
      }
      if (closed) {
        throw new EngineClosedException("raft replica " + settings.id + " closed during a commit");
      }
      checkHealthy();
      if (System.nanoTime() > deadline) {
        throw new ReplicationException(
            "replica "
                + settings.id
                + ": the group did not settle the commit within "
                + settings.requestTimeoutMs
                + " ms; its outcome is unknown");
      }
      try {
        Waits.await(
            CompletableFuture.anyOf(outcome, reply),
            System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(10));
      } catch (TimeoutException | ExecutionException e) {
        // Checked again at the top of the loop.
      }
    }
  }

  private RuntimeException closedOrFailed(RuntimeException e) {
    if (closed) {
      return new EngineClosedException("raft replica " + settings.id + " closed during a commit");
    }
    return new EngineFailedException("raft replica " + settings.id + " failed during a commit", e);
  }

  /** Called once by every write transaction when it ends, however it ends. */
  void writerDone() {
    gate.release();
  }

  boolean isClosed() {
    return closed;
  }

  private void checkOpen() {
    if (closed) {
      throw new EngineClosedException(
          "raft replica " + settings.id + " at " + directory + " is closed");
    }
  }

  private void checkHealthy() {
    Throwable failure = stateMachine.failure();
    if (failure != null) {
      throw new EngineFailedException(
          "raft replica " + settings.id + " stopped applying the log; reopen it", failure);
    }
  }

  // ---- introspection ----

  @Override
  public WriteAmplificationMeter meter() {
    return meter;
  }

  @Override
  public Map<String, Number> stats() {
    checkOpen();
    Map<String, Number> out = new TreeMap<>();
    out.put("raft.appliedIndex", stateMachine.appliedIndex());
    out.put("raft.appliedTerm", stateMachine.appliedTerm());
    if (replica != null) {
      DivisionInfo info = replica.info();
      out.put("raft.term", info.getCurrentTerm());
      out.put("raft.leader", info.isLeader() ? 1 : 0);
      out.put("raft.commitIndex", replica.commitIndex());
      out.put("raft.logStartIndex", replica.logStartIndex());
      out.put("raft.snapshotIndex", stateMachine.snapshotIndex());
      out.put("raft.snapshotsInstalled", stateMachine.snapshotsInstalled());
      out.put("raft.snapshotCopyNanos", stateMachine.lastSnapshotNanos());
    }
    out.put("raft.peers", settings.peers.size());
    for (Map.Entry<String, Number> e : local.engine().stats().entrySet()) {
      out.put("local." + e.getKey(), e.getValue());
    }
    return Collections.unmodifiableMap(out);
  }

  /**
   * Returns the local replica's estimate of its user keys (see {@code
   * LocalStore.approximateUserKeyCount}: exact on a small store, else the local engine's estimate
   * less the reserved applied-index key). On a follower it may trail the leader by the entries not
   * yet applied here. Bounded cost; never waits for the writer or the group.
   *
   * @throws EngineClosedException if the engine is closed
   */
  @Override
  public long approximateKeyCount() {
    checkOpen();
    return local.approximateUserKeyCount();
  }

  @Override
  public void verifyIntegrity() {
    InterruptShield.enter();
    try {
      checkOpen();
      checkHealthy();
      StorageEngine engine = local.engine();
      engine.verifyIntegrity();
      byte[] raw = engine.get(AppliedMark.KEY);
      if (raw != null) {
        AppliedMark.decode(raw);
      }
    } finally {
      InterruptShield.exit();
    }
  }

  @Override
  public void backup(Path target) {
    Objects.requireNonNull(target, "target");
    InterruptShield.enter();
    try {
      checkOpen();
      StoreFiles.prepareEmptyDirectory(target);
      // The local backup is a consistent committed state, and each apply writes its data and the
      // applied mark in one transaction: the copy carries exactly the mark of its own state.
      local.engine().backup(target.resolve("data"));
      StoreDescriptor.checkOrCreate(target.resolve(STORE_FILE), settings.localEngine);
    } finally {
      InterruptShield.exit();
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    gate.close();
    Throwable failure = null;
    try {
      if (replica != null) {
        replica.close();
      }
    } catch (IOException | RuntimeException e) {
      failure = e;
    }
    try {
      stateMachine.close();
      local.close();
    } catch (RuntimeException e) {
      if (failure == null) {
        failure = e;
      }
    } finally {
      lock.close();
    }
    if (failure != null) {
      throw new StorageIOException(
          "raft replica " + settings.id + " did not close cleanly",
          failure instanceof IOException io ? io : new IOException(failure));
    }
  }

  @Override
  public String toString() {
    return "RaftEngine[" + settings.id + " at " + directory + "]";
  }
}
