package dev.strata.etcd;

import dev.strata.api.Cursor;
import dev.strata.api.KeyRange;
import dev.strata.api.ReadTxn;
import dev.strata.api.StorageEngine;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Lock;
import java.util.function.BooleanSupplier;

/**
 * The physical step of an etcd compaction: for every key, removing its history entries below the
 * compaction revision but the last (and that one too when it is a deletion), with their revision
 * log entries. {@link MvccStore} records the compaction revision first, so reads below it already
 * fail while this runs.
 */
final class HistoryCompaction {
  /** History entries removed per engine transaction. */
  static final int BATCH = 10_000;

  private HistoryCompaction() {}

  /**
   * Removes the history entries no read at or above {@code revision} can see, in engine
   * transactions of {@link #BATCH} entries each taken under {@code writeLock}, then records the
   * revision as physically compacted. Entries written after the scan are all above {@code
   * revision}, so the batches need not exclude the writer between them. Returns early, leaving the
   * compaction unfinished for the next open, once {@code closing} is true.
   */
  static void removeObsolete(
      StorageEngine engine, Lock writeLock, long revision, BooleanSupplier closing) {
    List<byte[]> obsolete = new ArrayList<>();
    try (ReadTxn txn = engine.beginRead();
        Cursor cursor = txn.cursor(KeyRange.prefix(new byte[] {KeyLayout.HISTORY}))) {
      byte[] keep = null;
      boolean keepIsTombstone = false;
      while (cursor.next()) {
        if (closing.getAsBoolean()) {
          return;
        }
        byte[] key = cursor.key();
        if (keep != null && !sameUserKey(keep, key)) {
          if (keepIsTombstone) {
            obsolete.add(keep);
          }
          keep = null;
        }
        if (KeyLayout.historyMain(key) > revision) {
          continue;
        }
        if (keep != null) {
          obsolete.add(keep);
        }
        keep = key;
        keepIsTombstone = cursor.value()[0] == HistoryRecord.TOMBSTONE;
      }
      if (keep != null && keepIsTombstone) {
        obsolete.add(keep);
      }
    }
    for (int from = 0; from < obsolete.size(); from += BATCH) {
      if (closing.getAsBoolean()) {
        return;
      }
      List<byte[]> batch = obsolete.subList(from, Math.min(obsolete.size(), from + BATCH));
      writeLock.lock();
      try {
        engine.update(
            txn -> {
              for (byte[] historyKey : batch) {
                txn.delete(historyKey);
                txn.delete(
                    KeyLayout.revision(
                        KeyLayout.historyMain(historyKey), KeyLayout.historySub(historyKey)));
              }
              return null;
            });
      } finally {
        writeLock.unlock();
      }
    }
    engine.update(
        txn -> {
          // Two compactions may finish out of order; the mark never goes back.
          if (KeyLayout.longOf(txn.get(KeyLayout.META_COMPACTED_PHYSICALLY), -1) < revision) {
            txn.put(KeyLayout.META_COMPACTED_PHYSICALLY, KeyLayout.longBytes(revision));
          }
          return null;
        });
  }

  /** Whether two history keys belong to the same etcd key. */
  static boolean sameUserKey(byte[] historyKeyA, byte[] historyKeyB) {
    int a = KeyLayout.historyKeyPartLength(historyKeyA);
    int b = KeyLayout.historyKeyPartLength(historyKeyB);
    return a == b && java.util.Arrays.equals(historyKeyA, 0, a, historyKeyB, 0, b);
  }
}
