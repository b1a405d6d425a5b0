package dev.strata.lsm;

import dev.strata.api.KeyRange;
import dev.strata.api.Limits;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;

/**
 * Replays a write transaction's plain {@link WriteBatch} into a {@link WriteOverlay}, for a
 * transaction that starts reading after it wrote: write-only transactions (bulk loads, Kafka
 * restores) never build the overlay. Strata batches only ever hold puts, deletes and range
 * deletions in the default column family; anything else is a bug and fails the replay.
 *
 * <p>RocksDB calls the handler from native code, where a Java exception must not escape, so the
 * first failure is kept and rethrown by {@link #replay}. Not thread-safe; used once.
 */
final class OverlayReplay extends WriteBatch.Handler {
  private static final int DEFAULT_COLUMN_FAMILY = 0;

  private final WriteOverlay target;
  private RuntimeException failure;

  private OverlayReplay(WriteOverlay target) {
    this.target = target;
  }

  /**
   * Applies every entry of {@code source} to {@code target}, in order.
   *
   * @throws RocksDBException if RocksDB cannot iterate the batch
   * @throws IllegalStateException if the batch holds an entry Strata never writes
   */
  static void replay(WriteBatch source, WriteOverlay target) throws RocksDBException {
    try (OverlayReplay replay = new OverlayReplay(target)) {
      source.iterate(replay);
      if (replay.failure != null) {
        throw replay.failure;
      }
    }
  }

  @Override
  public void put(byte[] key, byte[] value) {
    target.put(key, value);
  }

  @Override
  public void delete(byte[] key) {
    target.delete(key);
  }

  @Override
  public void put(int columnFamilyId, byte[] key, byte[] value) {
    checkDefault(columnFamilyId);
    put(key, value);
  }

  @Override
  public void delete(int columnFamilyId, byte[] key) {
    checkDefault(columnFamilyId);
    delete(key);
  }

  @Override
  public void deleteRange(int columnFamilyId, byte[] beginKey, byte[] endKey) {
    checkDefault(columnFamilyId);
    deleteRange(beginKey, endKey);
  }

  /** Maps the batch's sentinels for missing bounds (see {@link LsmWriteTxn}) back to null. */
  @Override
  public void deleteRange(byte[] beginKey, byte[] endKey) {
    boolean unboundedBelow = beginKey.length == 0;
    boolean unboundedAbove = endKey.length > Limits.MAX_KEY_SIZE;
    KeyRange range =
        unboundedBelow
            ? (unboundedAbove ? KeyRange.all() : KeyRange.below(endKey))
            : (unboundedAbove ? KeyRange.atLeast(beginKey) : KeyRange.between(beginKey, endKey));
    target.deleteRange(range);
  }

  private void checkDefault(int columnFamilyId) {
    if (columnFamilyId != DEFAULT_COLUMN_FAMILY) {
      unexpected("column family " + columnFamilyId);
    }
  }

  private void unexpected(String what) {
    if (failure == null) {
      failure = new IllegalStateException("unexpected " + what + " in a Strata write batch");
    }
  }

  @Override
  public void merge(int columnFamilyId, byte[] key, byte[] value) {
    unexpected("merge");
  }

  @Override
  public void merge(byte[] key, byte[] value) {
    unexpected("merge");
  }

  @Override
  public void singleDelete(int columnFamilyId, byte[] key) {
    unexpected("single delete");
  }

  @Override
  public void singleDelete(byte[] key) {
    unexpected("single delete");
  }

  @Override
  public void logData(byte[] blob) {
    unexpected("log data");
  }

  @Override
  public void putBlobIndex(int columnFamilyId, byte[] key, byte[] value) {
    unexpected("blob index");
  }

  @Override
  public void markBeginPrepare() {
    unexpected("prepare marker");
  }

  @Override
  public void markEndPrepare(byte[] xid) {
    unexpected("prepare marker");
  }

  @Override
  public void markNoop(boolean emptyBatch) {
    unexpected("noop marker");
  }

  @Override
  public void markRollback(byte[] xid) {
    unexpected("rollback marker");
  }

  @Override
  public void markCommit(byte[] xid) {
    unexpected("commit marker");
  }

  @Override
  public void markCommitWithTimestamp(byte[] xid, byte[] ts) {
    unexpected("commit marker");
  }
}
