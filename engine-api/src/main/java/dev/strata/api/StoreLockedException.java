package dev.strata.api;

/**
 * Thrown on open when the store's directory is already open, by this process or another one.
 * Persistent engines hold an exclusive file lock for as long as the engine is open.
 */
public class StoreLockedException extends StorageException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message names the directory and lock file
   */
  public StoreLockedException(String message) {
    super(message);
  }

  /**
   * Creates the exception with an underlying cause.
   *
   * @param message names the directory and lock file
   * @param cause the failure reported by the operating system or native library
   */
  public StoreLockedException(String message, Throwable cause) {
    super(message, cause);
  }
}
