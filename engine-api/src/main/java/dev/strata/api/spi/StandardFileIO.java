package dev.strata.api.spi;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Locale;

/** The real file system behind {@link FileIO#standard()}. Thread-safe; stateless. */
final class StandardFileIO implements FileIO {
  static final StandardFileIO INSTANCE = new StandardFileIO();

  private StandardFileIO() {}

  @Override
  public StorageFile open(Path path, OpenOption... options) throws IOException {
    FileChannel channel = FileChannel.open(path, options);
    return new StorageFile() {
      @Override
      public Path path() {
        return path;
      }

      @Override
      public FileChannel channel() {
        return channel;
      }

      @Override
      public int write(ByteBuffer src, long position) throws IOException {
        return channel.write(src, position);
      }

      @Override
      public int read(ByteBuffer dst, long position) throws IOException {
        return channel.read(dst, position);
      }

      @Override
      public void force(boolean metaData) throws IOException {
        channel.force(metaData);
      }

      @Override
      public long size() throws IOException {
        return channel.size();
      }

      @Override
      public void truncate(long size) throws IOException {
        channel.truncate(size);
      }

      @Override
      public void close() throws IOException {
        channel.close();
      }
    };
  }

  @Override
  public void rename(Path source, Path target) throws IOException {
    Files.move(source, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  @Override
  public void syncDirectory(Path directory) throws IOException {
    try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
      dir.force(true);
    } catch (IOException e) {
      // Windows cannot open a directory for sync; NTFS journals its metadata.
      if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("win")) {
        throw e;
      }
    }
  }
}
