package dev.strata.api;

/**
 * Root of every exception Strata throws on its own account. All are unchecked.
 *
 * <p>Argument errors are reported with the JDK's own types instead: {@link NullPointerException}
 * for a null argument (the message names the parameter) and {@link IllegalArgumentException} for a
 * value outside a documented limit (the message names the limit).
 */
public class StorageException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates an exception with a message.
   *
   * @param message what went wrong, naming the file, page, offset or sequence number involved
   */
  public StorageException(String message) {
    super(message);
  }

  /**
   * Creates an exception with a message and the underlying cause.
   *
   * @param message what went wrong, naming the file, page, offset or sequence number involved
   * @param cause the underlying failure, usually an {@link java.io.IOException} or a native error
   */
  public StorageException(String message, Throwable cause) {
    super(message, cause);
  }
}
