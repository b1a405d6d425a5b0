package dev.strata.raft;

import java.util.NavigableMap;
import java.util.concurrent.CompletableFuture;

/**
 * A committed transaction of the leader waiting for its entry's outcome: its writes (key to value
 * or {@code WriteOverlay.TOMBSTONE}, no longer changed) and what its entry needs to know of the
 * state it read. Its writes are read by transactions that begin after it; the outcome is completed
 * once.
 */
final class QueuedTxn {
  final long term;

  /** The data index its snapshot was taken at. */
  final long snapshotDataIndex;

  /** Whether it also read transactions queued before it. */
  final boolean readQueued;

  final NavigableMap<byte[], byte[]> writes;
  final long logicalBytes;
  final long encodedBytes;
  final CompletableFuture<Void> outcome = new CompletableFuture<>();

  QueuedTxn(
      WriteView view, NavigableMap<byte[], byte[]> writes, long logicalBytes, long encodedBytes) {
    this.term = view.term();
    this.snapshotDataIndex = view.dataIndex();
    this.readQueued = !view.queued().isEmpty();
    this.writes = writes;
    this.logicalBytes = logicalBytes;
    this.encodedBytes = encodedBytes;
  }
}
