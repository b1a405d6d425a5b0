package dev.strata.btree;

import dev.strata.api.spi.StorageFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * The seam every page write, sync and truncation of the data file goes through, so tests can inject
 * a failing write, a short or torn write, a failing sync or a full disk without touching the
 * engine. Reads do not go through it: they use the memory map. The engine's own implementation
 * forwards to the {@link StorageFile} opened through {@link dev.strata.api.EngineOptions#fileIO()}
 * (the shared seam); this narrower interface stays so unit tests can wrap a bare channel.
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

  /**
   * Writes, syncs and truncates through the shared file seam, so faults injected with {@link
   * dev.strata.api.EngineOptions.Builder#fileIO} reach the data file.
   */
  static PageIO of(StorageFile file) {
    return new PageIO() {
      @Override
      public int write(ByteBuffer src, long position) throws IOException {
        return file.write(src, position);
      }

      @Override
      public void force() throws IOException {
        file.force(false);
      }

      @Override
      public void truncate(long size) throws IOException {
        file.truncate(size);
      }
    };
  }
}
