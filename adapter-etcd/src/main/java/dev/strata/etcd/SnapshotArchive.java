package dev.strata.etcd;

import dev.strata.api.StorageEngine;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * The file a Maintenance {@code Snapshot} streams: the engine's {@link StorageEngine#backup} (a
 * directory that opens as a store of the same engine) packed as a zip archive of its files. It is
 * not a bbolt file, so {@code etcdctl snapshot restore} cannot read it; {@link #unpack} (or any
 * unzip tool) turns it back into a store directory.
 *
 * <p>The archive's length is a multiple of 512 bytes, padded through the zip comment: etcdctl's
 * {@code snapshot save} finds the SHA-256 after the data only when the data has a bbolt file's
 * 512-byte granularity.
 */
final class SnapshotArchive {
  /** The granularity etcdctl expects of the data before the checksum. */
  static final int GRANULE = 512;

  private SnapshotArchive() {}

  /**
   * Backs the engine up and packs the backup into a new temporary file, which the caller deletes.
   *
   * @throws UnsupportedOperationException if the engine cannot back up
   * @throws UncheckedIOException if the temporary files cannot be written
   */
  static Path create(StorageEngine engine) {
    Path work = null;
    try {
      work = Files.createTempDirectory("strata-etcd-snapshot");
      Path backup = work.resolve("store");
      engine.backup(backup);
      Path archive = Files.createTempFile("strata-etcd-snapshot", ".zip");
      try (OutputStream out = Files.newOutputStream(archive);
          ZipOutputStream zip = new ZipOutputStream(out)) {
        for (Path file : filesOf(backup)) {
          zip.putNextEntry(new ZipEntry(backup.relativize(file).toString().replace('\\', '/')));
          Files.copy(file, zip);
          zip.closeEntry();
        }
      }
      padToSectors(archive);
      return archive;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the snapshot", e);
    } finally {
      if (work != null) {
        deleteTree(work);
      }
    }
  }

  /**
   * Unpacks an archive (without the trailing SHA-256 etcd's stream adds) into {@code target}.
   *
   * @throws IOException if it cannot be read or an entry would leave {@code target}
   */
  static void unpack(InputStream archive, Path target) throws IOException {
    Files.createDirectories(target);
    Path root = target.toAbsolutePath().normalize();
    try (ZipInputStream zip = new ZipInputStream(archive)) {
      for (ZipEntry entry = zip.getNextEntry(); entry != null; entry = zip.getNextEntry()) {
        Path file = root.resolve(entry.getName()).normalize();
        if (!file.startsWith(root) || entry.isDirectory()) {
          throw new IOException("unexpected snapshot entry " + entry.getName());
        }
        Files.createDirectories(file.getParent());
        Files.copy(zip, file);
      }
    }
  }

  /**
   * Extends the zip comment (empty as written, so the last two bytes are its length) until the file
   * is a multiple of {@link #GRANULE} bytes long.
   */
  private static void padToSectors(Path archive) throws IOException {
    try (FileChannel channel = FileChannel.open(archive, StandardOpenOption.WRITE)) {
      long size = channel.size();
      int pad = (int) ((GRANULE - size % GRANULE) % GRANULE);
      if (pad == 0) {
        return;
      }
      ByteBuffer length = ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN);
      length.putShort(0, (short) pad);
      channel.write(length, size - 2);
      ByteBuffer comment = ByteBuffer.allocate(pad);
      Arrays.fill(comment.array(), (byte) ' ');
      channel.write(comment, size);
    }
  }

  private static List<Path> filesOf(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(Files::isRegularFile).sorted().toList();
    }
  }

  static void deleteTree(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException | UncheckedIOException e) {
      // A leftover temporary file is harmless; the snapshot's outcome does not depend on it.
    }
  }
}
