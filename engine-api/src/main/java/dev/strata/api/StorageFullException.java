package dev.strata.api;

/**
 * Thrown when the disk or a quota is full. The transaction that hit it is rolled back; the store
 * stays readable and reopens clean. Whether further writes are accepted after freeing space without
 * a reopen is engine-specific and documented by each engine.
 */
public class StorageFullException extends StorageException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message names the file being written
   * @param cause the underlying I/O failure
   */
  public StorageFullException(String message, Throwable cause) {
    super(message, cause);
  }
}
