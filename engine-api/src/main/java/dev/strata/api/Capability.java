package dev.strata.api;

/**
 * Optional parts of the contract. An engine declares what it supports through {@link
 * StorageEngine#capabilities()}; the conformance suite tests every declared capability and checks
 * that every undeclared one fails the documented way.
 */
public enum Capability {
  /**
   * Committed data survives {@link StorageEngine#close()} and reopening the same directory, and the
   * directory is locked against a second concurrent open ({@link StoreLockedException}). Without
   * it, data lives only as long as the engine object.
   */
  PERSISTENT,
  /**
   * {@link StorageEngine#backup(java.nio.file.Path)} writes a consistent copy that opens as a store
   * with the same engine name. Without it, {@code backup} throws {@link
   * UnsupportedOperationException}.
   */
  BACKUP
}
