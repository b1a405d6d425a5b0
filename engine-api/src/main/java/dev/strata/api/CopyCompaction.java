package dev.strata.api;

import java.nio.file.Path;

/**
 * Optional part of the contract: an engine that compacts by writing its live data into a new, dense
 * store, leaving its own store as it is. Code that reaches engines by name tests for it on the
 * engine {@link StorageEngines#open} returned ({@code engine instanceof CopyCompaction c}). The
 * conformance suite checks it on every engine that implements it.
 */
public interface CopyCompaction {
  /**
   * Writes the last committed state, compacted, as a new store into {@code target}, which opens
   * with the same engine name. Writers may continue meanwhile; the copy holds the state when the
   * call began. Thread-safe.
   *
   * @param target a directory that does not exist or is empty
   * @throws NullPointerException if {@code target} is null
   * @throws IllegalArgumentException if {@code target} exists and is not an empty directory
   * @throws EngineClosedException if the engine is closed
   * @throws StorageException if the copy cannot be written
   */
  void compactInto(Path target);
}
