package dev.strata.ledger;

/**
 * The index's value for a key: its latest entry's sequence number and log position, and whether
 * that entry is a tombstone. Older versions are reached through the entries' {@code prevSeq} links,
 * so the index holds one small object per key however long its history. Immutable.
 */
final class IndexEntry {
  /**
   * Heap bytes one key costs beyond its key bytes: skip-list node and index levels, the key array's
   * header, this object. Measured by {@code LedgerBench open-only}: 113 bytes per 16-byte key in
   * total, 5 of them the chunk-position array of a ten-versions-per-key ledger.
   */
  static final int HEAP_BYTES_PER_KEY = 92;

  final long seq;
  final long position;
  final boolean deleted;

  IndexEntry(long seq, long position, boolean deleted) {
    this.seq = seq;
    this.position = position;
    this.deleted = deleted;
  }
}
