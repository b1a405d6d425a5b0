package dev.strata.ledger.log;

import dev.strata.api.WriteAmplificationMeter;
import dev.strata.api.spi.FileIO;
import dev.strata.api.spi.StorageFile;
import dev.strata.ledger.format.RecordFormat;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The log position every byte before which is known to have been synced ({@code log.synced}),
 * rewritten after each sync of the log and never synced itself. Recovery uses it to tell a torn
 * tail from damage: a crash can leave anything at all after the last sync (a block that never
 * reached the disk followed by one that did, say, when the kernel wrote pages back out of order
 * before a power loss), but it cannot change what was synced. So a bad record before the mark is
 * damage to history and reported; one after it is cut as crash recovery, whatever follows it. A
 * lost or stale mark only makes recovery cut more readily; the digest a client holds still shows a
 * cut that removed commits it saw.
 *
 * <p>Layout (little-endian, 28 bytes): magic {@code "STRLSYN1"}, u32 version 1, u32 0, u64 log
 * position, u32 CRC32C of the preceding 24 bytes. Thread-safe.
 */
public final class SyncMark implements AutoCloseable {
  /** The sync mark's file name in the ledger directory. */
  public static final String FILE = "log.synced";

  private static final long MAGIC = 0x314E_5953_4C52_5453L; // "STRLSYN1"
  private static final int FORMAT_VERSION = 1;
  private static final int BYTES = 28;

  private final StorageFile file;
  private final WriteAmplificationMeter meter;
  private final ByteBuffer buffer = RecordFormat.allocate(BYTES);
  private long marked;

  private SyncMark(StorageFile file, WriteAmplificationMeter meter, long marked) {
    this.file = file;
    this.meter = meter;
    this.marked = marked;
  }

  /**
   * Opens the mark for writing, creating the file when missing.
   *
   * @param marked the position recovery established as synced
   */
  public static SyncMark open(
      Path directory, FileIO fileIO, WriteAmplificationMeter meter, long marked)
      throws IOException {
    Path path = directory.resolve(FILE);
    StorageFile file =
        fileIO.open(
            path, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    return new SyncMark(file, meter, marked);
  }

  /**
   * Reads the mark.
   *
   * @return the position, or -1 when the file is missing, short or damaged
   */
  public static long read(Path directory, System.Logger logger) throws IOException {
    Path path = directory.resolve(FILE);
    ByteBuffer b = RecordFormat.allocate(BYTES);
    try (java.nio.channels.FileChannel channel =
        java.nio.channels.FileChannel.open(path, StandardOpenOption.READ)) {
      while (b.hasRemaining() && channel.read(b, b.position()) > 0) {
        // Read until the buffer is full or the file ends.
      }
    } catch (NoSuchFileException e) {
      return -1;
    }
    if (b.hasRemaining()
        || b.getLong(0) != MAGIC
        || b.getInt(24) != RecordFormat.crc(b, 0, 24)
        || b.getInt(8) != FORMAT_VERSION) {
      // Not damage to report: the mark is written without a sync, so a crash may leave any of it.
      logger.log(
          System.Logger.Level.INFO, path + " is missing or incomplete; trusting the checkpoint");
      return -1;
    }
    return b.getLong(16);
  }

  /**
   * Records that the log is synced up to {@code position}; a lower position than one recorded is
   * ignored.
   *
   * @throws IOException if the write fails: the caller fails like after a failed sync, since a disk
   *     that refuses this write is not one to go on committing to
   */
  public synchronized void advance(long position) throws IOException {
    if (position <= marked) {
      return;
    }
    buffer.clear();
    buffer.putLong(0, MAGIC).putInt(8, FORMAT_VERSION).putInt(12, 0).putLong(16, position);
    buffer.putInt(24, RecordFormat.crc(buffer, 0, 24));
    file.writeFully(buffer, 0);
    meter.addPhysical(BYTES);
    marked = position;
  }

  @Override
  public synchronized void close() throws IOException {
    file.close();
  }
}
