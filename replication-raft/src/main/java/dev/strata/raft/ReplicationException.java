package dev.strata.raft;

import dev.strata.api.StorageException;

/**
 * The root of the {@code raft} engine's own failures: the group could not do what a call needs
 * within the request timeout (no leader, no quorum, a replica shutting down). The call changed
 * nothing unless a subclass says otherwise.
 */
public class ReplicationException extends StorageException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what failed, naming the replica
   */
  public ReplicationException(String message) {
    super(message);
  }

  /**
   * Creates the exception with its cause.
   *
   * @param message what failed, naming the replica
   * @param cause the underlying failure
   */
  public ReplicationException(String message, Throwable cause) {
    super(message, cause);
  }
}
