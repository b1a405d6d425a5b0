package dev.strata.raft;

/**
 * Thrown by {@link dev.strata.api.WriteTxn#commit()} when this replica stopped being the leader
 * before the transaction's log entry was committed. The transaction left nothing behind: the
 * exception is thrown only once this replica has applied an entry of a later term, after which the
 * entry can never be applied anywhere (see {@link RaftEngine}). Retry on the new leader.
 */
public final class LeadershipLostException extends ReplicationException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what happened, naming the replica and the term
   */
  public LeadershipLostException(String message) {
    super(message);
  }
}
