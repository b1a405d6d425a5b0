package dev.strata.lsm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.CorruptionException;
import dev.strata.api.StorageException;
import dev.strata.api.StorageFullException;
import dev.strata.api.StorageIOException;
import dev.strata.api.StoreLockedException;
import dev.strata.api.UnsupportedFormatException;
import org.junit.jupiter.api.Test;
import org.rocksdb.RocksDBException;
import org.rocksdb.Status;

/** The status-to-exception table, with the texts RocksDB 11 produces for each case. */
class RocksErrorsTest {
  private static StorageException map(Status.Code code, Status.SubCode sub, String state) {
    return RocksErrors.map(
        "op on store", new RocksDBException(state, new Status(code, sub, state)));
  }

  @Test
  void noSpace_isStorageFull_andStopsWritesUntilReopen() {
    StorageException e =
        map(
            Status.Code.IOError,
            Status.SubCode.NoSpace,
            "While appending to file: /d/000012.log: No space left on device");
    assertEquals(StorageFullException.class, e.getClass());
    assertTrue(e.getMessage().contains("000012.log"), e.getMessage());
    assertTrue(RocksErrors.isFatalForWrites(e));
  }

  @Test
  void quotaOrFileSizeLimit_reportedAsPlainIoError_isStorageFull() {
    assertEquals(
        StorageFullException.class,
        map(
                Status.Code.IOError,
                Status.SubCode.None,
                "While appending: /d/1.log: Disk quota exceeded")
            .getClass());
    assertEquals(
        StorageFullException.class,
        map(Status.Code.IOError, Status.SubCode.None, "While appending: /d/2.sst: File too large")
            .getClass());
  }

  @Test
  void readOnlyFileSystem_isStorageIo_andFatalForWrites() {
    StorageException e =
        map(
            Status.Code.IOError,
            Status.SubCode.None,
            "While open a file for appending: /d/000013.log: Read-only file system");
    assertEquals(StorageIOException.class, e.getClass());
    assertTrue(RocksErrors.isFatalForWrites(e));
  }

  @Test
  void lockHeld_inThisOrAnotherProcess_isStoreLocked() {
    assertEquals(
        StoreLockedException.class,
        map(
                Status.Code.IOError,
                Status.SubCode.None,
                "lock hold by current process, acquire time 1 acquiring thread 2: /d/LOCK: No locks"
                    + " available")
            .getClass());
    StorageException other =
        map(
            Status.Code.IOError,
            Status.SubCode.None,
            "While lock file: /d/LOCK: Resource temporarily unavailable");
    assertEquals(StoreLockedException.class, other.getClass());
    assertFalse(RocksErrors.isFatalForWrites(other));
  }

  @Test
  void corruption_isCorruption_andFatalForWrites() {
    StorageException e =
        map(
            Status.Code.Corruption,
            Status.SubCode.None,
            "block checksum mismatch: stored = 1, computed = 2  in /d/000009.sst offset 0 size 4000");
    assertEquals(CorruptionException.class, e.getClass());
    assertTrue(e.getMessage().contains("000009.sst offset 0"), e.getMessage());
    assertTrue(RocksErrors.isFatalForWrites(e));
  }

  @Test
  void newerTableFormat_isUnsupportedFormat() {
    assertEquals(
        UnsupportedFormatException.class,
        map(
                Status.Code.Corruption,
                Status.SubCode.None,
                "Unknown Footer version. Maybe this file was created with newer"
                    + " version of RocksDB?")
            .getClass());
    assertEquals(
        UnsupportedFormatException.class,
        map(Status.Code.NotSupported, Status.SubCode.None, "Unsupported format_version 99")
            .getClass());
  }

  @Test
  void otherIoError_isStorageIo_andFatalForWrites() {
    StorageException e =
        map(Status.Code.IOError, Status.SubCode.None, "While fsync: a file: Input/output error");
    assertEquals(StorageIOException.class, e.getClass());
    assertTrue(RocksErrors.isFatalForWrites(e));
  }

  @Test
  void otherCodes_arePlainStorageExceptions() {
    StorageException e = map(Status.Code.Busy, Status.SubCode.None, "busy");
    assertEquals(StorageException.class, e.getClass());
    StorageException noStatus = RocksErrors.map("op", new RocksDBException("bare"));
    assertEquals(StorageIOException.class, noStatus.getClass());
  }
}
