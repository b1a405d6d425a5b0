package dev.strata.raft;

import dev.strata.api.StorageIOException;
import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Properties;

/**
 * The small file that marks a directory as a raft store and names its local engine, so a store is
 * never reopened over a different local engine.
 */
final class StoreDescriptor {
  private StoreDescriptor() {}

  /**
   * Creates the descriptor naming {@code engine}, or checks that an existing one names it.
   *
   * @throws IllegalArgumentException if the store was created with another local engine
   */
  static void checkOrCreate(Path file, String engine) {
    try {
      if (Files.exists(file)) {
        Properties p = new Properties();
        p.load(new StringReader(Files.readString(file)));
        String stored = p.getProperty("engine");
        if (!engine.equals(stored)) {
          throw new IllegalArgumentException(
              "the raft store at "
                  + file.getParent()
                  + " keeps its data in local engine '"
                  + stored
                  + "', not raft.engine='"
                  + engine
                  + "'");
        }
        return;
      }
      writeDurably(file, "format=1\nengine=" + engine + "\n");
    } catch (IOException e) {
      throw new StorageIOException("cannot read or write " + file, e);
    }
  }

  /** Writes a small file through a temporary sibling, fsynced, then renamed into place. */
  static void writeDurably(Path file, String content) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try (FileChannel ch =
        FileChannel.open(
            tmp,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE)) {
      ByteBuffer b = ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8));
      while (b.hasRemaining()) {
        ch.write(b);
      }
      ch.force(true);
    }
    Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }
}
