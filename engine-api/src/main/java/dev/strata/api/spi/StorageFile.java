package dev.strata.api.spi;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * One open file of a store, as {@link FileIO} hands it out: the calls a crash or a fault can hit
 * (write, force, truncate) go through this interface so a test can fail, tear or record them.
 *
 * <p>Implementations are thread-safe as {@link FileChannel} is: positional reads and writes may run
 * concurrently. Buffers stay owned by the caller; their position advances by the bytes transferred.
 */
public interface StorageFile extends Closeable {
  /**
   * Returns the file's path.
   *
   * @return the path it was opened with
   */
  Path path();

  /**
   * Returns the underlying channel, for memory-mapping, locking and reads only. Writes, syncs and
   * truncations must use this interface's methods, or faults cannot be injected into them.
   *
   * @return the open channel
   */
  FileChannel channel();

  /**
   * Writes bytes at a position, like {@link FileChannel#write(ByteBuffer, long)}; may write fewer
   * bytes than remain (callers loop).
   *
   * @param src the bytes, from its position to its limit
   * @param position the file offset
   * @return the number of bytes written
   * @throws IOException on an I/O error, including a full disk
   */
  int write(ByteBuffer src, long position) throws IOException;

  /**
   * Reads bytes at a position, like {@link FileChannel#read(ByteBuffer, long)}.
   *
   * @param dst the buffer to fill from its position
   * @param position the file offset
   * @return the number of bytes read, or -1 at end of file
   * @throws IOException on an I/O error
   */
  int read(ByteBuffer dst, long position) throws IOException;

  /**
   * Forces written data to stable storage, like {@link FileChannel#force(boolean)}.
   *
   * @param metaData whether file metadata (size) must be forced too
   * @throws IOException if the sync failed; the written data's state is then unknown
   */
  void force(boolean metaData) throws IOException;

  /**
   * Returns the file's size.
   *
   * @return the size in bytes
   * @throws IOException on an I/O error
   */
  long size() throws IOException;

  /**
   * Shrinks the file to {@code size} bytes; does nothing if it is not larger.
   *
   * @param size the new size
   * @throws IOException on an I/O error
   */
  void truncate(long size) throws IOException;

  /**
   * Writes all remaining bytes of {@code src} at {@code position}, looping over {@link #write}.
   *
   * @param src the bytes, from its position to its limit
   * @param position the file offset
   * @throws IOException on an I/O error
   */
  default void writeFully(ByteBuffer src, long position) throws IOException {
    long at = position;
    while (src.hasRemaining()) {
      at += write(src, at);
    }
  }
}
