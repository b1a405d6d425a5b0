package dev.strata.raft;

import dev.strata.api.Cursor;
import dev.strata.api.KeyRange;
import dev.strata.api.Limits;
import dev.strata.api.ReadTxn;
import dev.strata.api.WriteTxn;
import dev.strata.api.spi.TxnEnd;
import dev.strata.api.spi.WriteOverlay;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A write transaction on the leader: its writes wait in an overlay over the local store's snapshot
 * taken at {@code beginWrite()}, and {@link #commit()} hands them to the engine as one log entry.
 * Nothing reaches any replica before the commit, so rollback only drops the overlay.
 *
 * <p>A cursor sees the transaction's own writes as they were when the cursor was opened; writes
 * made while it iterates show in cursors opened later. Not thread-safe (one thread at a time).
 */
final class RaftWriteTxn implements WriteTxn {
  private final RaftEngine engine;
  private final ReadTxn base;
  private final long term;
  private final long baseDataIndex;
  private final TreeMap<byte[], byte[]> own = new TreeMap<>(KeyRange::compare);
  private final TxnEnd end = new TxnEnd();
  private long logicalBytes;

  RaftWriteTxn(RaftEngine engine, ReadTxn base, long term, long baseDataIndex) {
    this.engine = engine;
    this.base = base;
    this.term = term;
    this.baseDataIndex = baseDataIndex;
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
    if (mine != null) {
      return mine == WriteOverlay.TOMBSTONE ? null : mine.clone();
    }
    return base.get(key);
  }

  @Override
  public Cursor cursor(KeyRange range) {
    Objects.requireNonNull(range, "range");
    check();
    NavigableMap<byte[], byte[]> inRange = new TreeMap<>(KeyRange::compare);
    for (Map.Entry<byte[], byte[]> e : own.entrySet()) {
      if (range.contains(e.getKey())) {
        inRange.put(e.getKey(), e.getValue());
      }
    }
    var ordered = range.isReversed() ? inRange.descendingMap() : inRange;
    return new ReplicaCursor(base.cursor(range), ordered.entrySet().iterator(), range, this::check);
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
    try {
      if (own.isEmpty()) {
        return;
      }
      List<WriteBatch.Op> ops = new ArrayList<>(own.size());
      for (Map.Entry<byte[], byte[]> e : own.entrySet()) {
        byte[] v = e.getValue();
        ops.add(new WriteBatch.Op(e.getKey(), v == WriteOverlay.TOMBSTONE ? null : v));
      }
      engine.replicate(term, baseDataIndex, logicalBytes, ops);
    } finally {
      finish();
    }
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
    own.clear();
    try {
      base.close();
    } finally {
      engine.writerDone();
    }
  }
}
