package dev.strata.etcd;

import dev.strata.api.Cursor;
import dev.strata.api.KeyRange;
import dev.strata.api.ReadTxn;
import dev.strata.api.StorageEngine;
import dev.strata.api.WriteTxn;
import io.etcd.jetcd.api.Event;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * etcd's multi-version store (revisions, create/mod revision, version, tombstones, compaction) kept
 * in one Strata engine with the layout of {@link KeyLayout}.
 *
 * <p>Writes are serial: each call of {@link #write} is one engine write transaction that either
 * commits whole (one etcd revision when it changed keys) or rolls back whole when the work throws,
 * so a failed etcd request never leaves a partial write. Reads run on engine snapshots and never
 * wait for the writer. Committed events go to the {@link CommitListener} in revision order, from
 * the writing thread, before the next write starts.
 */
final class MvccStore implements AutoCloseable {
  /** Receives the events of each committed revision, in order; must not block. */
  interface CommitListener {
    void committed(long revision, List<Event> events);
  }

  /** History entries removed per engine transaction by physical compaction. */
  private static final int COMPACTION_BATCH = 10_000;

  private final StorageEngine engine;
  private final ReentrantLock writeLock = new ReentrantLock();
  private final long clusterId;
  private volatile long currentRevision;
  private volatile long compactedRevision;
  private volatile CommitListener listener = (revision, events) -> {};

  MvccStore(StorageEngine engine) {
    this.engine = engine;
    long[] state =
        engine.update(
            txn -> {
              byte[] cluster = txn.get(KeyLayout.META_CLUSTER_ID);
              if (cluster == null) {
                // A fresh etcd starts at revision 1; the first change is revision 2.
                cluster = KeyLayout.longBytes(new SecureRandom().nextLong() & Long.MAX_VALUE);
                txn.put(KeyLayout.META_CLUSTER_ID, cluster);
                txn.put(KeyLayout.META_REVISION, KeyLayout.longBytes(1));
                // Nothing compacted yet is -1, as in etcd, so that compacting at 0 is accepted
                // once.
                txn.put(KeyLayout.META_COMPACTED, KeyLayout.longBytes(-1));
                txn.put(KeyLayout.META_COMPACTED_PHYSICALLY, KeyLayout.longBytes(-1));
              }
              return new long[] {
                KeyLayout.longOf(cluster, 0),
                KeyLayout.longOf(txn.get(KeyLayout.META_REVISION), 1),
                KeyLayout.longOf(txn.get(KeyLayout.META_COMPACTED), -1),
                KeyLayout.longOf(txn.get(KeyLayout.META_COMPACTED_PHYSICALLY), -1)
              };
            });
    this.clusterId = state[0];
    this.currentRevision = state[1];
    this.compactedRevision = state[2];
    if (state[3] < state[2]) {
      // A crash between the logical and the physical step of a compaction: finish it.
      compactPhysically(state[2]);
    }
  }

  void setListener(CommitListener listener) {
    this.listener = listener;
  }

  StorageEngine engine() {
    return engine;
  }

  long clusterId() {
    return clusterId;
  }

  long currentRevision() {
    return currentRevision;
  }

  long compactedRevision() {
    return compactedRevision;
  }

  /** Runs {@code work} on a snapshot of the last committed revision. */
  <R> R read(Function<? super MvccView, R> work) {
    try (ReadTxn txn = engine.beginRead()) {
      long revision = KeyLayout.longOf(txn.get(KeyLayout.META_REVISION), 1);
      long compacted = KeyLayout.longOf(txn.get(KeyLayout.META_COMPACTED), -1);
      return work.apply(new MvccView(txn, revision, compacted));
    }
  }

  /**
   * Runs {@code work} in one engine write transaction and commits it; a throw rolls everything
   * back. A transaction that changed keys becomes one new revision.
   */
  <R> R write(Function<? super MvccWrite, R> work) {
    writeLock.lock();
    try (WriteTxn txn = engine.beginWrite()) {
      MvccWrite view = new MvccWrite(txn, currentRevision, compactedRevision);
      R result = work.apply(view);
      if (view.changed()) {
        txn.put(KeyLayout.META_REVISION, KeyLayout.longBytes(view.newRevision()));
      }
      if (view.dirty()) {
        txn.commit();
      }
      if (view.changed()) {
        currentRevision = view.newRevision();
        listener.committed(view.newRevision(), view.events());
      }
      return result;
    } finally {
      writeLock.unlock();
    }
  }

  /**
   * Compacts the history at {@code revision}: reads below it fail from now on, and for every key
   * only its latest version at or below it stays (none when that version is a deletion).
   */
  void compact(long revision) {
    writeLock.lock();
    try {
      if (revision <= compactedRevision) {
        throw EtcdErrors.compacted();
      }
      if (revision > currentRevision) {
        throw EtcdErrors.futureRevision();
      }
      engine.update(
          txn -> {
            txn.put(KeyLayout.META_COMPACTED, KeyLayout.longBytes(revision));
            return null;
          });
      compactedRevision = revision;
    } finally {
      writeLock.unlock();
    }
    compactPhysically(revision);
  }

  /**
   * Removes the history entries no read at or above {@code revision} can see. Entries written after
   * the scan are all above {@code revision}, so the batches need not exclude the writer between
   * them.
   */
  private void compactPhysically(long revision) {
    List<byte[]> obsolete = new ArrayList<>();
    try (ReadTxn txn = engine.beginRead();
        Cursor cursor = txn.cursor(KeyRange.prefix(new byte[] {KeyLayout.HISTORY}))) {
      byte[] keep = null;
      boolean keepIsTombstone = false;
      while (cursor.next()) {
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
    for (int from = 0; from < obsolete.size(); from += COMPACTION_BATCH) {
      List<byte[]> batch =
          obsolete.subList(from, Math.min(obsolete.size(), from + COMPACTION_BATCH));
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
          txn.put(KeyLayout.META_COMPACTED_PHYSICALLY, KeyLayout.longBytes(revision));
          return null;
        });
  }

  static boolean sameUserKey(byte[] historyKeyA, byte[] historyKeyB) {
    int a = KeyLayout.historyKeyPartLength(historyKeyA);
    int b = KeyLayout.historyKeyPartLength(historyKeyB);
    return a == b && java.util.Arrays.equals(historyKeyA, 0, a, historyKeyB, 0, b);
  }

  @Override
  public void close() {
    engine.close();
  }
}
