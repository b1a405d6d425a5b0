package dev.strata.api;

/** How hard {@link WriteTxn#commit()} works to make a commit survive a crash. */
public enum Durability {
  /**
   * {@code commit()} returns only after the commit is on stable storage (fsync or fdatasync). A
   * returned commit survives {@code kill -9} and power loss.
   */
  SYNC,
  /**
   * {@code commit()} hands the data to the operating system but does not wait for stable storage. A
   * process crash loses nothing (the {@code btree} engine needs Linux's boot id for that; elsewhere
   * it loses its commits since the last background sync, about a second); a power loss may lose
   * recent commits, but the store is never corrupted and always recovers to a prefix of the
   * committed history.
   */
  NO_SYNC
}
