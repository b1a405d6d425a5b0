package dev.strata.ledger.recovery;

import dev.strata.api.StorageException;
import dev.strata.api.WriteAmplificationMeter;
import dev.strata.api.spi.DirectoryLock;
import dev.strata.api.spi.FileIO;
import dev.strata.ledger.log.SegmentLog;
import dev.strata.ledger.log.SyncMark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A ledger directory opened for an engine: created if asked, locked, recovered ({@link Recovery})
 * and, when writable, its sync mark opened with every replayed commit made durable first. On a
 * failure everything opened so far is closed again. Immutable once returned; the engine takes
 * ownership of the lock, the files and the mark.
 *
 * @param lock the directory lock, held until the engine closes
 * @param meter the engine's write-amplification meter, which recovery already counted into
 * @param recovery what recovery found and opened: the log, Merkle store and index
 * @param syncMark the sync mark, or null when read-only
 */
public record OpenedLedger(
    DirectoryLock lock, WriteAmplificationMeter meter, Recovery recovery, SyncMark syncMark) {

  /**
   * Opens a ledger directory.
   *
   * @param directory the store's directory
   * @param segmentBytes the size at which a new segment starts
   * @param writable false to open read-only
   * @param createIfMissing whether a missing store is created
   * @param fileIO the file seam every file goes through
   * @param lockFile the lock file's name inside the directory
   * @param logger where recovery reports a cut torn tail
   * @return the opened directory; the caller owns it
   * @throws StorageException if the store is missing and may not be created
   * @throws IOException if a file cannot be read or written
   */
  public static OpenedLedger open(
      Path directory,
      long segmentBytes,
      boolean writable,
      boolean createIfMissing,
      FileIO fileIO,
      String lockFile,
      System.Logger logger)
      throws IOException {
    boolean exists =
        Files.isDirectory(directory) && Files.exists(SegmentLog.fileName(directory, 0));
    if (!exists) {
      if (!createIfMissing || !writable) {
        throw new StorageException(
            "no ledger in "
                + directory
                + " and "
                + (writable ? "createIfMissing is false" : "it was opened read-only"));
      }
      Files.createDirectories(directory);
    }
    DirectoryLock lock =
        DirectoryLock.acquire(directory.resolve(lockFile), "ledger " + directory, !writable);
    WriteAmplificationMeter meter = new WriteAmplificationMeter();
    Recovery r;
    try {
      r = Recovery.run(directory, segmentBytes, meter, writable, fileIO, logger);
    } catch (IOException | RuntimeException e) {
      lock.close();
      throw e;
    }
    SyncMark mark = null;
    try {
      if (writable) {
        mark = SyncMark.open(directory, fileIO, meter, r.syncedMark);
        if (r.endPosition > r.syncedMark) {
          // A crash left commits the kernel had not synced yet: they become visible, and a
          // write transaction may read them, so they are made durable first.
          r.log.last().file().force(false);
          meter.addSync();
          mark.advance(r.endPosition);
        }
      }
    } catch (IOException | RuntimeException e) {
      if (mark != null) {
        mark.close();
      }
      r.merkle.close();
      r.log.close();
      lock.close();
      throw e;
    }
    return new OpenedLedger(lock, meter, r, mark);
  }
}
