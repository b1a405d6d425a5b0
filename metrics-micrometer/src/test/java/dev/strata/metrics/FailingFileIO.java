package dev.strata.metrics;

import dev.strata.api.spi.FileIO;
import dev.strata.api.spi.StorageFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;

/**
 * The real file system, except that file syncs throw while {@link #failSyncs} is set: a commit
 * under {@code SYNC} then fails the way it does on a failing disk.
 */
final class FailingFileIO implements FileIO {
  private final FileIO real = FileIO.standard();
  volatile boolean failSyncs;

  @Override
  public StorageFile open(Path path, OpenOption... options) throws IOException {
    return new FailingFile(real.open(path, options));
  }

  @Override
  public void rename(Path source, Path target) throws IOException {
    real.rename(source, target);
  }

  @Override
  public void delete(Path path) throws IOException {
    real.delete(path);
  }

  @Override
  public void syncDirectory(Path directory) throws IOException {
    failIfAsked(directory);
    real.syncDirectory(directory);
  }

  private void failIfAsked(Path path) throws IOException {
    if (failSyncs) {
      throw new IOException("injected sync failure on " + path);
    }
  }

  private final class FailingFile implements StorageFile {
    private final StorageFile file;

    FailingFile(StorageFile file) {
      this.file = file;
    }

    @Override
    public Path path() {
      return file.path();
    }

    @Override
    public FileChannel channel() {
      return file.channel();
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
      return file.write(src, position);
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
      return file.read(dst, position);
    }

    @Override
    public void force(boolean metaData) throws IOException {
      failIfAsked(file.path());
      file.force(metaData);
    }

    @Override
    public long size() throws IOException {
      return file.size();
    }

    @Override
    public void truncate(long size) throws IOException {
      file.truncate(size);
    }

    @Override
    public void close() throws IOException {
      file.close();
    }
  }
}
