package dev.strata.api;

/**
 * Thrown when a transaction or cursor is used after it was committed, rolled back or closed, or
 * after its engine was closed.
 */
public class TransactionClosedException extends StorageException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message says which object was used and why it is closed
   */
  public TransactionClosedException(String message) {
    super(message);
  }
}
