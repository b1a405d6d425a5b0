package dev.strata.btree;

import dev.strata.btree.format.Meta;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

/**
 * This boot of the operating system, as Linux numbers it ({@code /proc/sys/kernel/random/boot_id}):
 * a meta page written without a sync is trustworthy after a process crash, when the kernel still
 * holds every page the commit wrote, but not after the system restarted, when the meta may have
 * reached the disk ahead of those pages. Sixteen zero bytes where the system gives no boot id: such
 * metas are never trusted by a later open.
 */
final class BootId {
  static final int SIZE = Meta.BOOT_ID_SIZE;
  private static final byte[] UNKNOWN = new byte[SIZE];
  private static final byte[] THIS_BOOT = read();

  /** A test seam: stands for a restart of the system between two opens. */
  static volatile byte[] override;

  private BootId() {}

  /** The current boot's id; never modify the array. */
  static byte[] current() {
    byte[] o = override;
    return o != null ? o : THIS_BOOT;
  }

  static boolean isKnown(byte[] id) {
    return !java.util.Arrays.equals(id, UNKNOWN);
  }

  private static byte[] read() {
    try {
      UUID id =
          UUID.fromString(Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).strip());
      return ByteBuffer.allocate(SIZE)
          .putLong(id.getMostSignificantBits())
          .putLong(id.getLeastSignificantBits())
          .array();
    } catch (IOException | IllegalArgumentException | SecurityException e) {
      return UNKNOWN;
    }
  }
}
