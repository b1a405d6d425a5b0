package dev.strata.ledger.index;

/**
 * A key's entry as the read path handles it: sequence number, log position, and whether it is a
 * tombstone. {@link KeyIndex} stores the latest one per key in primitive arrays and hands out these
 * on reads; older versions are reached through the entries' {@code prevSeq} links. Immutable.
 */
public final class IndexEntry {
  /** The entry's sequence number, its log position, and whether it is a tombstone. */
  public final long seq;

  public final long position;

  public final boolean deleted;

  /** An entry as the read path handles it. */
  public IndexEntry(long seq, long position, boolean deleted) {
    this.seq = seq;
    this.position = position;
    this.deleted = deleted;
  }
}
