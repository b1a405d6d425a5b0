package dev.strata.api;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Thrown on open when the directory holds a store of another engine: a {@code ledger} store opened
 * as {@code btree}, say. The store is left exactly as it was; open it with the engine {@link
 * #foundEngine()} names, or let {@link StorageEngines#open(Path, EngineOptions)} detect it.
 */
public class WrongEngineException extends StorageException {
  private static final long serialVersionUID = 1L;

  private final String directory;
  private final String foundEngine;
  private final String requestedEngine;

  /**
   * Creates the exception.
   *
   * @param directory the store's directory
   * @param foundEngine the engine whose store the directory holds
   * @param requestedEngine the engine that was asked to open it
   * @throws NullPointerException if an argument is null
   */
  public WrongEngineException(Path directory, String foundEngine, String requestedEngine) {
    super(
        Objects.requireNonNull(directory, "directory")
            + " holds a store of engine '"
            + Objects.requireNonNull(foundEngine, "foundEngine")
            + "'; engine '"
            + Objects.requireNonNull(requestedEngine, "requestedEngine")
            + "' cannot open it (open it with engine '"
            + foundEngine
            + "')");
    this.directory = directory.toString();
    this.foundEngine = foundEngine;
    this.requestedEngine = requestedEngine;
  }

  /**
   * Returns the directory that was opened.
   *
   * @return the directory, as given to the open
   */
  public Path directory() {
    return Path.of(directory);
  }

  /**
   * Returns the name of the engine whose store the directory holds.
   *
   * @return an engine name such as {@code "ledger"}
   */
  public String foundEngine() {
    return foundEngine;
  }

  /**
   * Returns the name of the engine that was asked to open the directory.
   *
   * @return an engine name such as {@code "btree"}
   */
  public String requestedEngine() {
    return requestedEngine;
  }
}
