package dev.strata.api;

import java.util.Map;

/**
 * Optional part of the contract: an engine whose store is one replica of a group that replicates it
 * (the {@code raft} engine), and whose members can change while it runs. Code that reaches engines
 * by name tests for it on the engine {@link StorageEngines#open} returned ({@code engine instanceof
 * ReplicaGroup g}), so it needs no replication module at compile time.
 *
 * <p>Members are named by replica ids and reached at {@code host:port} addresses, as in the
 * engine's own options. Changes run on the group's leader and return once the group committed them.
 * Thread-safe.
 */
public interface ReplicaGroup {
  /**
   * Returns the group's current members as this replica knows them.
   *
   * @return replica id to {@code host:port}, sorted by id; a new map the caller owns
   * @throws EngineClosedException if the engine is closed
   */
  Map<String, String> members();

  /**
   * Adds a replica to the group. The newcomer is started first on an empty directory with options
   * naming the new membership (the current members and itself) and marking it as joining (the
   * {@code raft} engine's {@code raft.join}); this call, on the leader, returns once the newcomer
   * has caught up and the new membership is committed.
   *
   * @param id the newcomer's replica id
   * @param address its {@code host:port}
   * @throws EngineClosedException if the engine is closed
   * @throws IllegalArgumentException if {@code id} is a member already or the address is malformed
   * @throws StorageException if this replica is not the leader (nothing changed), or the group did
   *     not commit the change in time (its outcome is then unknown)
   */
  void addReplica(String id, String address);

  /**
   * Asks the group to make {@code id} the leader and waits up to {@code timeoutMillis} for the
   * outcome; on any replica. Write transactions open on the old leader fail at commit.
   *
   * @param id a member's replica id
   * @param timeoutMillis how long to wait
   * @return true if {@code id} became the leader
   * @throws EngineClosedException if the engine is closed
   * @throws StorageException if the request could not be made
   */
  boolean transferLeadership(String id, long timeoutMillis);

  /**
   * Removes a replica from the group; on the leader. To remove the leader, transfer the leadership
   * first. The removed replica no longer receives the log and should be closed.
   *
   * @param id the member to remove
   * @throws EngineClosedException if the engine is closed
   * @throws IllegalArgumentException if {@code id} is not a member, or is the last one
   * @throws StorageException if this replica is not the leader (nothing changed), or the group did
   *     not commit the change in time (its outcome is then unknown)
   */
  void removeReplica(String id);
}
