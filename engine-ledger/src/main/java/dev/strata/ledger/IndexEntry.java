package dev.strata.ledger;

/**
 * The index's value for a key: its latest entry's sequence number and log position, and whether
 * that entry is a tombstone. Older versions are reached through the entries' {@code prevSeq}
 * links, so the index holds one small object per key however long its history. Immutable.
 */
final class IndexEntry {
  /** Bytes one index entry costs on the heap beyond its key bytes, measured (see README). */
  static final int HEAP_BYTES_PER_KEY = 112;

  final long seq;
  final long position;
  final boolean deleted;

  IndexEntry(long seq, long position, boolean deleted) {
    this.seq = seq;
    this.position = position;
    this.deleted = deleted;
  }
}
