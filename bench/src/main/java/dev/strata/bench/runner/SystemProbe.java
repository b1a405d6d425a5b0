package dev.strata.bench.runner;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;

/**
 * What the operating system says about this process: bytes written ({@code /proc/self/io} {@code
 * write_bytes}), resident memory, heap, and a store directory's size. Linux-only figures read as -1
 * elsewhere. Thread-safe (stateless).
 *
 * <p>Two OS counts of written bytes, because they answer different questions:
 *
 * <ul>
 *   <li>{@code wchar}: bytes passed to {@code write}/{@code pwrite} system calls, the same
 *       definition as the meter's physical bytes ("every byte the engine hands to the OS"). It
 *       misses stores through a writable memory map.
 *   <li>{@code write_bytes}: bytes charged when page-cache memory becomes dirty. The kernel charges
 *       a whole folio at a time; on this machine's kernel (6.18, ext4 with large folios) one 4 KiB
 *       {@code pwrite} into a sequentially written file was charged 2 MiB (measured: 200 random 4
 *       KiB pwrite+fsync calls, 400 MiB charged). It matches the meter for append-only files and
 *       overstates random in-place page writes by up to 512x.
 * </ul>
 */
public final class SystemProbe {
  private static final Path PROC_IO = Path.of("/proc/self/io");
  private static final Path PROC_STATUS = Path.of("/proc/self/status");

  private SystemProbe() {}

  /**
   * The process's write counters at one moment; -1 where unknown.
   *
   * @param syscallBytes {@code wchar}: bytes handed to write system calls
   * @param storageBytes {@code write_bytes}: bytes charged as dirtied page cache
   */
  public record Io(long syscallBytes, long storageBytes) {
    /**
     * Returns the growth since an earlier reading.
     *
     * @param earlier the earlier reading
     * @return this minus {@code earlier}, field by field; -1 where either is unknown
     */
    public Io minus(Io earlier) {
      return new Io(
          syscallBytes < 0 || earlier.syscallBytes < 0 ? -1 : syscallBytes - earlier.syscallBytes,
          storageBytes < 0 || earlier.storageBytes < 0 ? -1 : storageBytes - earlier.storageBytes);
    }
  }

  /**
   * Reads {@code wchar} and {@code write_bytes} of this process.
   *
   * @return the counters now
   */
  public static Io io() {
    return new Io(procField(PROC_IO, "wchar:", 1), procField(PROC_IO, "write_bytes:", 1));
  }

  /**
   * Write requests a block device completed, and their bytes, at one moment; -1 where unknown. The
   * device's counts cover every process writing to it, so they describe one engine only on an
   * otherwise quiet machine.
   *
   * @param requests write requests completed ({@code /sys/dev/block/M:m/stat}, field 5), after the
   *     block layer merged adjacent pages
   * @param bytes bytes those requests wrote (field 7, in 512-byte sectors)
   */
  public record DeviceWrites(long requests, long bytes) {
    /**
     * Returns the growth since an earlier reading.
     *
     * @param earlier the earlier reading
     * @return this minus {@code earlier}, field by field; -1 where either is unknown
     */
    public DeviceWrites minus(DeviceWrites earlier) {
      return requests < 0 || earlier.requests < 0
          ? new DeviceWrites(-1, -1)
          : new DeviceWrites(requests - earlier.requests, bytes - earlier.bytes);
    }
  }

  /**
   * Reads the write counters of the block device (partition) that holds {@code path}.
   *
   * @param path an existing file or directory
   * @return the counters now, or -1s when the device or its counters cannot be found (not Linux)
   */
  public static DeviceWrites deviceWrites(Path path) {
    try {
      long dev = ((Number) Files.getAttribute(path, "unix:dev")).longValue();
      // Linux's encoding of st_dev (glibc's gnu_dev_major / gnu_dev_minor).
      long major = ((dev >>> 8) & 0xfff) | ((dev >>> 32) & ~0xfffL);
      long minor = (dev & 0xff) | ((dev >>> 12) & 0xffffff00L);
      String[] f =
          Files.readString(Path.of("/sys/dev/block/" + major + ":" + minor + "/stat"))
              .trim()
              .split("\\s+");
      return new DeviceWrites(Long.parseLong(f[4]), Long.parseLong(f[6]) * 512);
    } catch (IOException | RuntimeException e) {
      return new DeviceWrites(-1, -1);
    }
  }

  /** Resident set size in bytes, or -1 when unknown. */
  static long rssBytes() {
    long kib = procField(PROC_STATUS, "VmRSS:", 1024);
    return kib;
  }

  /** Peak resident set size of this process so far ({@code VmHWM}) in bytes, or -1 when unknown. */
  static long peakRssBytes() {
    return procField(PROC_STATUS, "VmHWM:", 1024);
  }

  /** Heap in use after a full collection, in bytes. */
  static long heapUsedAfterGc() {
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  private static long procField(Path file, String field, long multiplier) {
    try {
      List<String> lines = Files.readAllLines(file);
      for (String line : lines) {
        if (line.startsWith(field)) {
          String number = line.substring(field.length()).trim().split("\\s+")[0];
          return Long.parseLong(number) * multiplier;
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }

  /** Total size of the regular files under {@code directory}. */
  static long directoryBytes(Path directory) {
    if (!Files.exists(directory)) {
      return 0;
    }
    try (Stream<Path> files = Files.walk(directory)) {
      return files.filter(Files::isRegularFile).mapToLong(SystemProbe::sizeOrZero).sum();
    } catch (IOException | java.io.UncheckedIOException e) {
      return -1;
    }
  }

  private static long sizeOrZero(Path p) {
    try {
      return Files.size(p);
    } catch (IOException e) {
      // Engines delete files (compaction, segment rotation) while we walk.
      return 0;
    }
  }

  /**
   * Fsyncs every file under {@code directory}, so the phase's dirty pages reach the disk before
   * {@link #io()} is read. Fsync itself dirties nothing, so it does not change the count.
   */
  static void syncDirectory(Path directory) {
    if (!Files.exists(directory)) {
      return;
    }
    try (Stream<Path> files = Files.walk(directory)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        if (Files.isRegularFile(p)) {
          try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            ch.force(true);
          } catch (NoSuchFileException e) {
            // Deleted by compaction while we walked.
          } catch (IOException e) {
            // A file we cannot open for reading is not ours to count.
          }
        }
      }
    } catch (IOException | java.io.UncheckedIOException e) {
      // A directory that vanished mid-walk has nothing left to sync.
    }
  }

  /**
   * Deletes {@code directory} and everything in it, if present.
   *
   * @param directory the directory
   * @throws IOException if something cannot be deleted
   */
  public static void deleteTree(Path directory) throws IOException {
    if (!Files.exists(directory)) {
      return;
    }
    try (Stream<Path> files = Files.walk(directory)) {
      for (Path p : (Iterable<Path>) files.sorted(java.util.Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(p);
      }
    }
  }
}
