package dev.strata.etcd;

import dev.strata.api.CorruptionException;
import dev.strata.api.Cursor;
import dev.strata.api.KeyRange;
import dev.strata.api.ReadTxn;
import io.etcd.jetcd.api.KeyValue;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads of the multi-version store within one engine transaction: a snapshot for {@link
 * MvccStore#read}, or the open write transaction (seeing its own writes) for {@link MvccWrite}.
 * Belongs to the thread that runs the store's callback.
 */
class MvccView {
  /** Keys in etcd order at one revision, and how many keys the range holds in all. */
  record RangeResult(List<KeyValue> kvs, long count, long revision) {}

  final ReadTxn txn;
  private final long baseRevision;
  private final long compactedRevision;

  MvccView(ReadTxn txn, long baseRevision, long compactedRevision) {
    this.txn = txn;
    this.baseRevision = baseRevision;
    this.compactedRevision = compactedRevision;
  }

  /** The revision this view reads at: the snapshot's, or the one its own writes will become. */
  long revision() {
    return baseRevision;
  }

  long compactedRevision() {
    return compactedRevision;
  }

  /**
   * The keys of an etcd range at {@code atRevision} (0 or less: the view's revision). {@code
   * rangeEnd} follows etcd: empty means the single key, one zero byte means every key at or above
   * {@code key}, anything else the half-open range {@code [key, rangeEnd)}. At most {@code limit}
   * key-values are returned (0: all) but {@code count} counts every key of the range.
   *
   * @throws io.grpc.StatusRuntimeException etcd's compacted or future revision error
   */
  RangeResult range(byte[] key, byte[] rangeEnd, long atRevision, long limit, boolean countOnly) {
    long current = revision();
    long at = atRevision <= 0 ? current : atRevision;
    if (at > current) {
      throw EtcdErrors.futureRevision();
    }
    if (at < compactedRevision) {
      throw EtcdErrors.compacted();
    }
    List<KeyValue> kvs = new ArrayList<>();
    long max = countOnly ? 0 : (limit <= 0 ? Long.MAX_VALUE : limit);
    long count = 0;
    if (rangeEnd.length == 0) {
      KeyValue kv = at == current ? current(key) : historic(key, at);
      if (kv != null) {
        count = 1;
        if (max > 0) {
          kvs.add(kv);
        }
      }
      return new RangeResult(kvs, count, current);
    }
    byte[] end = isFromKey(rangeEnd) ? null : rangeEnd;
    if (end != null && KeyRange.compare(key, end) >= 0) {
      return new RangeResult(kvs, 0, current);
    }
    if (at == current) {
      try (Cursor cursor = txn.cursor(KeyLayout.currentRange(key, end))) {
        while (cursor.next()) {
          count++;
          if (kvs.size() < max) {
            kvs.add(live(cursor.value()));
          }
        }
      }
    } else {
      try (Cursor cursor = txn.cursor(KeyLayout.historyRange(key, end))) {
        byte[] candidate = null;
        byte[] candidateRecord = null;
        while (cursor.next()) {
          byte[] historyKey = cursor.key();
          if (candidate != null && !HistoryCompaction.sameUserKey(candidate, historyKey)) {
            if (!HistoryRecord.isTombstone(candidateRecord)) {
              count++;
              if (kvs.size() < max) {
                kvs.add(HistoryRecord.keyValue(candidateRecord));
              }
            }
            candidate = null;
          }
          if (KeyLayout.historyMain(historyKey) <= at) {
            candidate = historyKey;
            candidateRecord = cursor.value();
          }
        }
        if (candidate != null && !HistoryRecord.isTombstone(candidateRecord)) {
          count++;
          if (kvs.size() < max) {
            kvs.add(HistoryRecord.keyValue(candidateRecord));
          }
        }
      }
    }
    return new RangeResult(kvs, count, current);
  }

  /** The live key-value of {@code key}, or null. */
  KeyValue current(byte[] key) {
    byte[] record = txn.get(KeyLayout.current(key));
    return record == null ? null : live(record);
  }

  /**
   * The key-value of a live record, its value read from the history entry a reference record names.
   *
   * @throws CorruptionException if that entry is missing
   */
  KeyValue live(byte[] record) {
    KeyValue kv = HistoryRecord.current(record);
    if (!HistoryRecord.isReference(record)) {
      return kv;
    }
    byte[] key = kv.getKey().toByteArray();
    byte[] historyKey =
        KeyLayout.history(key, kv.getModRevision(), HistoryRecord.referenceSub(record));
    byte[] entry = txn.get(historyKey);
    if (entry == null || HistoryRecord.isTombstone(entry)) {
      throw new CorruptionException(
          "etcd live key refers to a missing history entry at revision "
              + kv.getModRevision()
              + ": "
              + kv.getKey().toStringUtf8());
    }
    return HistoryRecord.keyValue(entry);
  }

  /** The key-value of {@code key} as of revision {@code at}, or null when absent then. */
  KeyValue historic(byte[] key, long at) {
    KeyRange versions =
        KeyRange.between(KeyLayout.historyPrefix(key), KeyLayout.history(key, at + 1, 0))
            .reversed();
    try (Cursor cursor = txn.cursor(versions)) {
      if (!cursor.next()) {
        return null;
      }
      byte[] record = cursor.value();
      return HistoryRecord.isTombstone(record) ? null : HistoryRecord.keyValue(record);
    }
  }

  /** Whether a lease with this id is granted. */
  boolean leaseExists(long id) {
    return txn.get(KeyLayout.lease(id)) != null;
  }

  /** The keys attached to a lease, in key order. */
  List<byte[]> leaseKeys(long id) {
    List<byte[]> keys = new ArrayList<>();
    try (Cursor cursor = txn.cursor(KeyRange.prefix(KeyLayout.attachedPrefix(id)))) {
      while (cursor.next()) {
        keys.add(KeyLayout.attachedKey(cursor.key()));
      }
    }
    return keys;
  }

  static boolean isFromKey(byte[] rangeEnd) {
    return rangeEnd.length == 1 && rangeEnd[0] == 0;
  }
}
