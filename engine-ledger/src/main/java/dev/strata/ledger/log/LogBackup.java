package dev.strata.ledger.log;

import dev.strata.api.spi.FileIO;
import dev.strata.api.spi.StoreFiles;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Online backup: the log is append-only, so the bytes of every segment up to a published commit
 * marker are immutable and form a consistent store. Copying them needs no lock; the copy rebuilds
 * its index and Merkle files on first open.
 */
public final class LogBackup {
  private LogBackup() {}

  /**
   * Copies the segments up to {@code endPosition} (a published commit's end) into {@code target};
   * needs no lock, the bytes are immutable.
   */
  public static void copy(SegmentLog log, long endPosition, Path target) throws IOException {
    StoreFiles.prepareEmptyDirectory(target);
    int lastSegment = SegmentLog.segmentOf(endPosition);
    for (int i = 0; i <= lastSegment; i++) {
      SegmentLog.Segment s = log.segment(i);
      long bytes = i == lastSegment ? SegmentLog.offsetOf(endPosition) : s.channel().size();
      Path copy = target.resolve(s.path().getFileName());
      try (FileChannel out =
          FileChannel.open(copy, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        long done = 0;
        while (done < bytes) {
          done += s.channel().transferTo(done, bytes - done, out);
        }
        out.force(true);
      }
    }
    FileIO.standard().syncDirectory(target);
  }
}
