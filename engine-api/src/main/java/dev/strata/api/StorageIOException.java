package dev.strata.api;

/**
 * Thrown when the operating system reports an I/O failure that is neither a full disk nor
 * corruption, for example a failed write or fsync. A commit that throws it did not happen unless
 * the engine says otherwise; the engine then refuses further writes (see {@link
 * EngineFailedException}) because the state of the file after a failed fsync is unknown.
 */
public class StorageIOException extends StorageException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message names the file and operation
   * @param cause the underlying I/O failure
   */
  public StorageIOException(String message, Throwable cause) {
    super(message, cause);
  }
}
