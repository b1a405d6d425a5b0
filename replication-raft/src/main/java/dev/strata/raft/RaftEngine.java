package dev.strata.raft;

import dev.strata.api.Capability;
import dev.strata.api.EngineClosedException;
import dev.strata.api.EngineOptions;
import dev.strata.api.ReadTxn;
import dev.strata.api.ReplicaGroup;
import dev.strata.api.StorageEngine;
import dev.strata.api.StorageEngines;
import dev.strata.api.WriteAmplificationMeter;
import dev.strata.api.WriteTxn;
import dev.strata.api.spi.InterruptShield;
import dev.strata.api.spi.StoreFiles;
import dev.strata.api.spi.WriterGate;
import java.nio.file.Path;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
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
 *       GiB), and the largest log entry. A transaction must fit in one entry (concurrent ones may
 *       share it), and each replica's log keeps a direct write buffer of this size; a larger commit
 *       throws {@link IllegalArgumentException} and writes nothing. To store values near {@code
 *       Limits.MAX_VALUE_SIZE}, raise it above that.
 *   <li>{@code raft.join}: {@code true} for a replica that joins a running group (see {@link
 *       #addReplica}); default {@code false}. On its first start (no Raft log in its directory yet)
 *       such a replica waits for the leader to add it instead of campaigning, which the leader
 *       would answer by telling it to shut down. Later starts are ordinary: it keeps the setting or
 *       drops it alike.
 * </ul>
 *
 * Every setting outside {@code raft.} is passed to the local engine unchanged. {@link
 * EngineOptions#durability()} applies to the Raft log.
 *
 * <h2>Writes run on the leader</h2>
 *
 * {@link #beginWrite()} on a replica that is not the leader throws {@link NotLeaderException}
 * naming the leader: writes are not forwarded, because a forwarded transaction could not read its
 * own snapshot locally. On the leader it waits (once per term) until the replica has applied
 * everything the group committed, then takes a snapshot of the local store; writes are buffered in
 * the transaction. {@link WriteTxn#commit()} queues them for replication and returns once a
 * majority has the log entry holding them (fsynced under {@code SYNC}) and this replica has applied
 * it.
 *
 * <h2>Group commit</h2>
 *
 * Write transactions are serial, as on every engine, but a commit ends its transaction as soon as
 * its writes are queued, so the next transaction begins while the entry is replicated; it sees the
 * queued writes (it is serialized after them), and it fails with them if they fail. While one entry
 * is in flight, every transaction committed meanwhile goes into the next entry (up to {@code
 * raft.maxEntryBytes}), so concurrent committers share one log entry and one round of fsyncs; the
 * next entry also waits up to {@code raft.batchWaitMicros} (500 µs) while another transaction is
 * being written, so that it joins (a lone committer never waits). Each transaction stays atomic (an
 * entry is applied as one local transaction) and fails alone when it is invalid (too large: {@link
 * IllegalArgumentException}, nothing queued). A transaction that wrote nothing but read queued
 * writes returns from {@code commit()} once those are applied.
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
 * engine's stats ({@code local.*}). Among the Raft state, counters since open that say where a
 * commit's time goes: {@code raft.batchApplies} and {@code raft.batchApplyNanos} (the transaction
 * entries this replica applied and the time their local write transactions took, commit included),
 * and on a leader {@code raft.entriesProposed}, {@code raft.transactionsProposed} and {@code
 * raft.proposeNanos} (the entries it proposed, the transactions they carried, and the time from
 * each submit until its outcome was known here: the Raft round plus this replica's apply).
 *
 * <p>{@code readOnly} opens the local store alone, without joining the group: reads are local.
 *
 * <p>Thread-safe, like every engine; a transaction belongs to one thread at a time.
 */
public final class RaftEngine implements StorageEngine, ReplicaGroup {
  static final String STORE_FILE = ReplicaResources.STORE_FILE;

  private final Path directory;
  private final RaftSettings settings;
  private final ReplicaResources resources;
  private final LocalStore local;
  private final StoreStateMachine stateMachine;
  private final Replica replica;
  private final CommitPath commits;
  private final Membership membership;
  private final WriterGate gate;
  private final boolean readOnly;
  private volatile boolean closed;

  RaftEngine(Path directory, EngineOptions options) {
    this.settings = RaftSettings.parse(options);
    this.directory = directory;
    this.readOnly = options.readOnly();
    this.gate = new WriterGate("raft replica " + settings.id + " at " + directory);
    this.resources = ReplicaResources.open(directory, settings, options);
    this.local = resources.local;
    this.stateMachine = resources.stateMachine;
    this.replica = resources.replica;
    this.commits = new CommitPath(settings, replica, stateMachine, local, () -> closed, gate);
    this.membership = new Membership(settings, replica);
  }

  /**
   * Gives the common fork-join pool a parallelism of at least 2 unless the system property {@code
   * java.util.concurrent.ForkJoinPool.common.parallelism} is set already. Ratis runs an
   * asynchronous stage on that pool for every entry a follower appends; below 2 (the JVM's default
   * with fewer than three processors) each stage starts a new thread, and every replicated commit
   * pays for it. The JVM reads the property once, when the pool is first used, so a process that
   * hosts replicas calls this first thing in {@code main}; Strata's launchers do. Otherwise the
   * first replica to open logs a warning saying the same.
   */
  public static void sizeCommonPool() {
    if (System.getProperty(Replica.COMMON_POOL_PARALLELISM) == null) {
      int processors = Runtime.getRuntime().availableProcessors();
      System.setProperty(
          Replica.COMMON_POOL_PARALLELISM, Integer.toString(Math.max(2, processors - 1)));
    }
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
  @Override
  public boolean transferLeadership(String targetId, long timeoutMillis) {
    Objects.requireNonNull(targetId, "targetId");
    checkOpen();
    return membership.transferLeadership(targetId, timeoutMillis);
  }

  // ---- membership ----

  /**
   * Returns the group's current members as this replica knows them.
   *
   * @return replica id to {@code host:port}, sorted by id; a new map
   * @throws EngineClosedException if the engine is closed
   */
  @Override
  public Map<String, String> members() {
    checkOpen();
    return membership.members();
  }

  /**
   * Adds a replica to the group. Start the newcomer first, with {@code raft.peers} listing the new
   * membership (the current members and itself), {@code raft.join=true} and an empty directory;
   * this call, on the leader, then returns once the newcomer has caught up with the log and the new
   * membership is committed.
   *
   * @param id the newcomer's {@code raft.id}
   * @param address its {@code host:port}
   * @throws NotLeaderException if this replica is not the leader
   * @throws IllegalArgumentException if {@code id} is a member already
   * @throws ReplicationException if the group did not commit the change
   */
  @Override
  public void addReplica(String id, String address) {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(address, "address");
    checkOpen();
    membership.add(id, address);
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
  @Override
  public void removeReplica(String id) {
    Objects.requireNonNull(id, "id");
    checkOpen();
    membership.remove(id);
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
        RaftWriteTxn txn = new RaftWriteTxn(this, commits, commits.beginView());
        started = true;
        return txn;
      } finally {
        if (!started) {
          writerDone();
        }
      }
    } finally {
      InterruptShield.exit();
    }
  }

  /**
   * Releases the writer: once per write transaction when it ends, however it ends, or when it fails
   * to begin.
   */
  void writerDone() {
    gate.release();
    commits.writerReleased();
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
    commits.checkHealthy();
  }

  // ---- introspection ----

  /**
   * Runs {@code call} on the local engine. A snapshot install closes the local engine, copies the
   * snapshot and opens the new one: a call that meets the closed engine meanwhile waits for the new
   * one (up to {@code raft.requestTimeoutMs}) and runs again there.
   */
  private <T> T onLocal(java.util.function.Function<StorageEngine, T> call) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(settings.requestTimeoutMs);
    while (true) {
      try {
        return call.apply(local.engine());
      } catch (EngineClosedException e) {
        checkOpen();
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Waits.pause(5);
      }
    }
  }

  @Override
  public WriteAmplificationMeter meter() {
    return resources.meter;
  }

  @Override
  public Map<String, Number> stats() {
    checkOpen();
    Map<String, Number> out = new TreeMap<>();
    out.put("raft.appliedIndex", stateMachine.appliedIndex());
    out.put("raft.appliedTerm", stateMachine.appliedTerm());
    out.put("raft.batchApplies", stateMachine.batchApplies());
    out.put("raft.batchApplyNanos", stateMachine.batchApplyNanos());
    if (replica != null) {
      DivisionInfo info = replica.info();
      out.put("raft.term", info.getCurrentTerm());
      out.put("raft.leader", info.isLeader() ? 1 : 0);
      out.put("raft.commitIndex", replica.commitIndex());
      out.put("raft.logStartIndex", replica.logStartIndex());
      out.put("raft.snapshotIndex", stateMachine.snapshotIndex());
      out.put("raft.snapshotsInstalled", stateMachine.snapshotsInstalled());
      out.put("raft.entriesProposed", commits.entriesProposed());
      out.put("raft.transactionsProposed", commits.transactionsProposed());
      out.put("raft.proposeNanos", commits.proposeNanos());
      out.put("raft.snapshotCopyNanos", stateMachine.lastSnapshotNanos());
    }
    out.put("raft.peers", settings.peers.size());
    for (Map.Entry<String, Number> e : onLocal(StorageEngine::stats).entrySet()) {
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
    return onLocal(engine -> local.approximateUserKeyCount());
  }

  @Override
  public void verifyIntegrity() {
    InterruptShield.enter();
    try {
      checkOpen();
      checkHealthy();
      onLocal(
          engine -> {
            engine.verifyIntegrity();
            byte[] raw = engine.get(AppliedMark.KEY);
            if (raw != null) {
              AppliedMark.decode(raw);
            }
            return null;
          });
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
    if (replica != null) {
      commits.close();
    }
    resources.close(settings.id);
  }

  @Override
  public String toString() {
    return "RaftEngine[" + settings.id + " at " + directory + "]";
  }
}
