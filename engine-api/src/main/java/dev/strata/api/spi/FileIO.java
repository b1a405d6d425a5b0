package dev.strata.api.spi;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;

/**
 * The file-system seam of the engines that manage their own files ({@code btree}, {@code ledger}):
 * every file they write is opened here, and every rename, deletion and directory sync goes through
 * here. {@link #standard()} is the real file system; a test passes another implementation through
 * {@link dev.strata.api.EngineOptions.Builder#fileIO} to fail, tear or record I/O calls (fault
 * injection, crash-point replay). Applications never need to set it.
 *
 * <p>Implementations must be thread-safe.
 */
public interface FileIO {
  /**
   * Returns the real file system.
   *
   * @return the default implementation over {@link FileChannel}
   */
  static FileIO standard() {
    return StandardFileIO.INSTANCE;
  }

  /**
   * Opens a file, like {@link FileChannel#open(Path, OpenOption...)}.
   *
   * @param path the file
   * @param options the open options
   * @return the open file; the caller closes it
   * @throws IOException on an I/O error
   */
  StorageFile open(Path path, OpenOption... options) throws IOException;

  /**
   * Renames a file atomically, replacing the target.
   *
   * @param source the existing file
   * @param target the new name
   * @throws IOException on an I/O error, or if the file system cannot rename atomically
   */
  void rename(Path source, Path target) throws IOException;

  /**
   * Deletes a file if it exists. Like a creation or a rename, the deletion is durable only after
   * {@link #syncDirectory} of its directory.
   *
   * @param path the file
   * @throws IOException on an I/O error
   */
  default void delete(Path path) throws IOException {
    Files.deleteIfExists(path);
  }

  /**
   * Forces a directory's entries (created, renamed, deleted files) to stable storage.
   *
   * @param directory the directory
   * @throws IOException on an I/O error
   */
  void syncDirectory(Path directory) throws IOException;
}
