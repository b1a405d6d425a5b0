package dev.strata.raft;

import dev.strata.api.Cursor;
import dev.strata.api.KeyRange;
import dev.strata.api.Limits;
import dev.strata.api.WriteTxn;
import dev.strata.api.spi.TxnEnd;
import dev.strata.api.spi.WriteOverlay;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A write transaction on the leader: its writes wait in an overlay over its {@link WriteView} (the
 * local store's snapshot taken at {@code beginWrite()} plus the writes of transactions queued for
 * replication before it), and {@link #commit()} queues them for the next log entry. Nothing reaches
 * any replica before the commit, so rollback only drops the overlay.
 *
 * <p>{@link #commit()} ends the transaction, and lets the next one begin, as soon as its writes are
 * queued; it returns once they are applied here, or throws what failed them.
 *
 * <p>A cursor sees the transaction's own writes as they were when the cursor was opened; writes
 * made while it iterates show in cursors opened later. Not thread-safe (one thread at a time).
 */
final class RaftWriteTxn implements WriteTxn {
  private final RaftEngine engine;
  private final CommitPath commits;
  private final WriteView view;
  private TreeMap<byte[], byte[]> own = new TreeMap<>(KeyRange::compare);
  private final TxnEnd end = new TxnEnd();
  private long logicalBytes;

  RaftWriteTxn(RaftEngine engine, CommitPath commits, WriteView view) {
    this.engine = engine;
    this.commits = commits;
    this.view = view;
  }

  private void check() {
    end.check("write transaction", engine.isClosed());
  }

  @Override
  public byte[] get(byte[] key) {
    Limits.checkKey(key);
    AppliedMark.checkUserKey(key);
    check();
    byte[] mine = own.get(key);
    if (mine == null) {
      mine = view.queuedValue(key);
    }
    if (mine != null) {
      return mine == WriteOverlay.TOMBSTONE ? null : mine.clone();
    }
    return view.base().get(key);
  }

  @Override
  public Cursor cursor(KeyRange range) {
    Objects.requireNonNull(range, "range");
    check();
    NavigableMap<byte[], byte[]> inRange =
        view.queued().isEmpty() ? new TreeMap<>(KeyRange::compare) : view.queuedIn(range);
    for (Map.Entry<byte[], byte[]> e : own.entrySet()) {
      if (range.contains(e.getKey())) {
        inRange.put(e.getKey(), e.getValue());
      }
    }
    var ordered = range.isReversed() ? inRange.descendingMap() : inRange;
    return new ReplicaCursor(
        view.base().cursor(range), ordered.entrySet().iterator(), range, this::check);
  }

  @Override
  public void put(byte[] key, byte[] value) {
    Limits.checkKey(key);
    Limits.checkValue(value);
    AppliedMark.checkUserKey(key);
    check();
    own.put(key.clone(), value.length == 0 ? new byte[0] : value.clone());
    logicalBytes += key.length + (long) value.length;
  }

  @Override
  public void delete(byte[] key) {
    Limits.checkKey(key);
    AppliedMark.checkUserKey(key);
    check();
    own.put(key.clone(), WriteOverlay.TOMBSTONE);
    logicalBytes += key.length;
  }

  @Override
  public void commit() {
    check();
    end.end("committed");
    QueuedTxn queued;
    try {
      // Handed over whole: the map is the queued transaction's from here on.
      queued = own.isEmpty() ? null : commits.enqueue(view, own, logicalBytes);
    } finally {
      finish();
    }
    // A transaction that wrote nothing still read what it read: it commits once that is settled.
    commits.await(queued, view);
  }

  @Override
  public void rollback() {
    // A second rollback, or one after close(), is a no-op, as on every engine.
    if (end.end("rolled back")) {
      finish();
    }
  }

  @Override
  public void close() {
    if (end.end("closed")) {
      finish();
    }
  }

  private void finish() {
    own = new TreeMap<>(KeyRange::compare);
    try {
      view.base().close();
    } finally {
      engine.writerDone();
    }
  }
}
