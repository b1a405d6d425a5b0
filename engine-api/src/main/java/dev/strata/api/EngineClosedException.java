package dev.strata.api;

/** Thrown when a {@link StorageEngine} is used after {@link StorageEngine#close()}. */
public class EngineClosedException extends StorageException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message names the engine and its directory
   */
  public EngineClosedException(String message) {
    super(message);
  }
}
