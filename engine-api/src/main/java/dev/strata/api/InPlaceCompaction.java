package dev.strata.api;

/**
 * Optional part of the contract: an engine that reclaims, while open, the space its store holds for
 * overwritten and deleted data. Code that reaches engines by name tests for it on the engine {@link
 * StorageEngines#open} returned ({@code engine instanceof InPlaceCompaction c}), so it needs no
 * engine module at compile time. The conformance suite checks it on every engine that implements
 * it.
 */
public interface InPlaceCompaction {
  /**
   * Compacts the whole store in place and returns when done. The content is unchanged; readers and
   * writers continue meanwhile. Thread-safe.
   *
   * @throws EngineClosedException if the engine is closed
   * @throws UnsupportedOperationException if the engine was opened read-only
   * @throws StorageException if the compaction fails; the content is unchanged
   */
  void compactInPlace();
}
