package dev.strata.lsm;

import org.rocksdb.AbstractEventListener;
import org.rocksdb.BackgroundErrorReason;
import org.rocksdb.Status;

/**
 * Turns off RocksDB's automatic recovery from background errors, so a full disk or an I/O error
 * stays visible to the next write instead of leaving writers waiting for a recovery that may never
 * come.
 *
 * <p>Why: with auto-recovery on, a flush that hits {@code NoSpace} hands the error to the
 * database's {@code SstFileManager}, whose recovery thread clears the error whenever it sees any
 * free space and retries the flush. While the error is cleared the memtables are still full, so
 * writes are stopped and a writer waits in {@code DBImpl::DelayWrite} for a condition variable;
 * when the retried flush fails again the recovery thread waits for space that never appears, and
 * the writer never wakes: a commit hangs in {@code RocksDB.write0}, with {@code
 * SstFileManagerImpl::ClearError} polling on another thread (seen in the full-disk test). With
 * recovery off, the error stays set, stopped writers return it at once, and the engine refuses
 * writes until it is reopened (see {@link LsmEngine}): recovery is a reopen after space is freed,
 * which replays the WAL and checks every file, rather than an in-place resume RocksJava does not
 * expose anyway.
 *
 * <p>Thread-safe: stateless; RocksDB calls it on the thread that hit the error.
 */
final class NoAutoRecovery extends AbstractEventListener {
  private static final System.Logger LOG = System.getLogger(NoAutoRecovery.class.getName());

  NoAutoRecovery() {
    super(EnabledEventCallback.ON_ERROR_RECOVERY_BEGIN);
  }

  /**
   * Declines RocksDB's offer to recover on its own.
   *
   * @return false, always: the error stays set until the database is reopened
   */
  @Override
  public boolean onErrorRecoveryBegin(BackgroundErrorReason reason, Status error) {
    LOG.log(
        System.Logger.Level.ERROR,
        "RocksDB background error during {0}: {1} {2}; writes stop until the store is reopened",
        reason,
        error == null ? "" : error.getCodeString(),
        error == null ? "" : error.getState());
    return false;
  }
}
