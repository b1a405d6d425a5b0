package dev.strata.api;

/**
 * Thrown when stored data fails a checksum or format check, on open, on read or during {@link
 * StorageEngine#verifyIntegrity()}. The message names the file and the page, offset or sequence
 * number where the damage was found.
 *
 * <p>An engine that detects corruption in a write path refuses further writes (see {@link
 * EngineFailedException}); reads of intact data may continue.
 */
public class CorruptionException extends StorageException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message names the file and the page, offset or sequence number
   */
  public CorruptionException(String message) {
    super(message);
  }

  /**
   * Creates the exception with an underlying cause.
   *
   * @param message names the file and the page, offset or sequence number
   * @param cause the failure that revealed the damage
   */
  public CorruptionException(String message, Throwable cause) {
    super(message, cause);
  }
}
