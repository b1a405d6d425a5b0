package dev.strata.raft;

import dev.strata.api.KeyRange;
import dev.strata.api.ReadTxn;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * What a write transaction reads: a snapshot of the local store and the write sets of the
 * transactions queued before it (oldest first), as of the pipeline epoch {@code epoch}.
 */
record WriteView(long term, long epoch, long dataIndex, ReadTxn base, List<QueuedTxn> queued) {
  /** The newest queued write of {@code key}: a value, {@code WriteOverlay.TOMBSTONE}, or null. */
  byte[] queuedValue(byte[] key) {
    for (int i = queued.size() - 1; i >= 0; i--) {
      byte[] v = queued.get(i).writes.get(key);
      if (v != null) {
        return v;
      }
    }
    return null;
  }

  /** The queued writes inside {@code range}, newest per key, in key order. */
  NavigableMap<byte[], byte[]> queuedIn(KeyRange range) {
    NavigableMap<byte[], byte[]> out = new TreeMap<>(KeyRange::compare);
    for (QueuedTxn q : queued) {
      for (Map.Entry<byte[], byte[]> e : q.writes.entrySet()) {
        if (range.contains(e.getKey())) {
          out.put(e.getKey(), e.getValue());
        }
      }
    }
    return out;
  }
}
