package dev.strata.raft;

/**
 * Thrown by {@link RaftEngine#beginWrite()} (and the one-shot writes built on it) on a replica that
 * is not the group's leader: writes are not forwarded, so the caller sends them to the leader this
 * exception names. Nothing was written.
 */
public final class NotLeaderException extends ReplicationException {
  private static final long serialVersionUID = 1L;

  private final String leaderId;
  private final String leaderAddress;

  /**
   * Creates the exception.
   *
   * @param replicaId the replica that refused the write
   * @param leaderId the leader's id as this replica knows it, or null when there is none yet
   * @param leaderAddress the leader's {@code host:port}, or null when unknown
   */
  public NotLeaderException(String replicaId, String leaderId, String leaderAddress) {
    super(
        "replica "
            + replicaId
            + " is not the leader; "
            + (leaderId == null
                ? "no leader is known yet (an election is under way)"
                : "the leader is " + leaderId + " at " + leaderAddress));
    this.leaderId = leaderId;
    this.leaderAddress = leaderAddress;
  }

  /**
   * Returns the leader's replica id.
   *
   * @return the id from {@code raft.peers}, or null when no leader is known
   */
  public String leaderId() {
    return leaderId;
  }

  /**
   * Returns the leader's address.
   *
   * @return {@code host:port} from {@code raft.peers}, or null when no leader is known
   */
  public String leaderAddress() {
    return leaderAddress;
  }
}
