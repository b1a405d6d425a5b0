package dev.strata.btree;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * The seam every page write, sync and truncation of the data file goes through, so tests can
 * inject a failing write, a short or torn write, a failing sync or a full disk without touching
 * the engine. Reads do not go through it: they use the memory map.
 */
interface PageIO {
  /**
   * Writes bytes at a file position, like {@link FileChannel#write(ByteBuffer, long)}; may write
   * fewer bytes than remain (the caller loops).
   */
  int write(ByteBuffer src, long position) throws IOException;

  /** Forces written data to stable storage (fdatasync). */
  void force() throws IOException;

  /** Shrinks the file to {@code size} bytes. */
  void truncate(long size) throws IOException;

  /** Wraps a channel with no faults. */
  static PageIO of(FileChannel channel) {
    return new PageIO() {
      @Override
      public int write(ByteBuffer src, long position) throws IOException {
        return channel.write(src, position);
      }

      @Override
      public void force() throws IOException {
        channel.force(false);
      }

      @Override
      public void truncate(long size) throws IOException {
        channel.truncate(size);
      }
    };
  }
}
