package dev.strata.ledger.format;

import dev.strata.api.CorruptionException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/** Positional reads that fill a buffer, shared by every file the ledger reads. Stateless. */
public final class FileReads {
  private FileReads() {}

  /**
   * Reads {@code dst.remaining()} bytes at {@code offset}.
   *
   * @param ch the file
   * @param dst filled from its position to its limit
   * @param offset the file offset of the first byte
   * @param path the file's path, for the error message
   * @throws CorruptionException if the file ends first
   * @throws IOException if the read fails
   */
  public static void readFully(FileChannel ch, ByteBuffer dst, long offset, Path path)
      throws IOException {
    long at = offset;
    while (dst.hasRemaining()) {
      int n = ch.read(dst, at);
      if (n < 0) {
        throw new CorruptionException(path + ": unexpected end of file at offset " + at);
      }
      at += n;
    }
  }
}
