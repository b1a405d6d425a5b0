package dev.strata.api;

/**
 * Thrown by a write after an earlier fatal I/O error or detected corruption put the engine into its
 * failed state. A failed engine still serves reads of intact data; close and reopen it (which runs
 * recovery) to write again. {@link #getCause()} is the original failure.
 */
public class EngineFailedException extends StorageException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message names the engine and directory
   * @param cause the failure that made the engine refuse writes
   */
  public EngineFailedException(String message, Throwable cause) {
    super(message, cause);
  }
}
