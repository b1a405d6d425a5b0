package dev.strata.ledger;

/**
 * A key's entry as the read path handles it: sequence number, log position, and whether it is a
 * tombstone. {@link KeyIndex} stores the latest one per key in primitive arrays and hands out these
 * on reads; older versions are reached through the entries' {@code prevSeq} links. Immutable.
 */
final class IndexEntry {
  final long seq;
  final long position;
  final boolean deleted;

  IndexEntry(long seq, long position, boolean deleted) {
    this.seq = seq;
    this.position = position;
    this.deleted = deleted;
  }
}
