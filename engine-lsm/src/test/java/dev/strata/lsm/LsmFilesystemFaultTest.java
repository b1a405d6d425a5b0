package dev.strata.lsm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.EngineFailedException;
import dev.strata.api.EngineOptions;
import dev.strata.api.StorageEngine;
import dev.strata.api.StorageEngines;
import dev.strata.api.StorageException;
import dev.strata.api.StorageFullException;
import dev.strata.api.StorageIOException;
import dev.strata.api.WriteTxn;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reliability kit's fault injection for lsm, at the file-system level: RocksDB does its own
 * file I/O (its Env), so the shared FileIO seam cannot reach it. Full disk: the store lives on a
 * small tmpfs that fills up; the commit that hits it throws StorageFullException, later commits are
 * refused with StorageFullException, no acknowledged commit is lost, and once space is back a
 * reopen is clean and accepts writes. Read-only file system at open: a writable open throws a typed
 * exception and a read-only open serves every acknowledged commit. Read-only while open for
 * writing: Linux refuses {@code mount -o remount,ro} (EBUSY) while files are open for writing, so
 * the store lives on an ext4 image mounted with {@code errors=remount-ro}, and the test makes ext4
 * record an error, which switches it to read-only under RocksDB's open files. Mounting needs root
 * (as on this project's machines and CI); elsewhere the tests are aborted (reported as skipped)
 * with that reason.
 */
class LsmFilesystemFaultTest {
  @TempDir Path dir;
  private Path mount;

  private void mountTmpfs(String size) throws Exception {
    mount = dir.resolve("mnt");
    Files.createDirectories(mount);
    int rc =
        run("mount", "-t", "tmpfs", "-o", "size=" + size, "strata-lsm-fault", mount.toString());
    if (rc != 0) {
      mount = null;
      Assumptions.abort("cannot mount a tmpfs (needs root): file-system faults not injected");
    }
  }

  /**
   * Mounts a fresh ext4 image through a loop device with {@code errors=remount-ro}, so the test can
   * make ext4 switch itself to read-only under open files (a plain {@code mount -o remount,ro} is
   * refused with EBUSY while RocksDB holds files open for writing). Returns the loop device's name.
   */
  private String mountExt4(Path image) throws Exception {
    mount = dir.resolve("ext4");
    Files.createDirectories(mount);
    if (run("truncate", "-s", "64M", image.toString()) != 0
        || run("mkfs.ext4", "-q", "-F", image.toString()) != 0
        || run("mount", "-o", "loop,errors=remount-ro", image.toString(), mount.toString()) != 0) {
      mount = null;
      Assumptions.abort("cannot mount an ext4 image through a loop device (needs root, mkfs.ext4)");
    }
    String device = output("findmnt", "-n", "-o", "SOURCE", mount.toString()).trim();
    return device.substring(device.lastIndexOf('/') + 1);
  }

  @AfterEach
  void unmount() throws Exception {
    if (mount != null) {
      run("umount", mount.toString());
    }
  }

  private static String output(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor();
    return text;
  }

  private static int run(String... command) throws IOException, InterruptedException {
    try {
      Process p =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      return p.waitFor();
    } catch (IOException e) {
      return -1;
    }
  }

  private static EngineOptions options() {
    return EngineOptions.builder().set("lsm.writeBufferBytes", "1MiB").build();
  }

  private static byte[] key(int n) {
    return String.format("k/%06d", n).getBytes(StandardCharsets.US_ASCII);
  }

  private static byte[] value(int n) {
    byte[] v = new byte[64 * 1024];
    new SplittableRandom(n).nextBytes(v);
    return v;
  }

  private static void commit(StorageEngine e, int n) {
    try (WriteTxn t = e.beginWrite()) {
      t.put(key(n), value(n));
      t.put(key(n).clone(), value(n));
      t.commit();
    }
  }

  private static void assertAcked(StorageEngine e, List<Integer> acked) {
    for (int n : acked) {
      assertArrayEquals(value(n), e.get(key(n)), "acknowledged commit " + n);
    }
  }

  /**
   * Regression test for a commit that fills the disk and never returns (in about one run in three
   * with RocksDB's automatic no-space recovery on, a writer stalls in {@code DelayWrite} while the
   * recovery clears the error and waits for space that never comes). With automatic recovery off
   * ({@link NoAutoRecovery}) it fails fast every time; the timeout only keeps a regression from
   * stalling the build.
   */
  @Test
  @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void fullDisk_commitThrowsStorageFull_laterCommitsRefused_nothingAckedIsLost_reopensClean()
      throws Exception {
    mountTmpfs("24m");
    Path store = mount.resolve("store");
    List<Integer> acked = new ArrayList<>();
    StorageException failure = null;
    long failedCommitNanos = 0;
    try (StorageEngine e = StorageEngines.open("lsm", store, options())) {
      for (int n = 0; n < 10_000 && failure == null; n++) {
        long start = System.nanoTime();
        try {
          commit(e, n);
          acked.add(n);
        } catch (StorageException x) {
          failure = x;
          failedCommitNanos = System.nanoTime() - start;
        }
      }
      assertNotNull(failure, "24 MiB never filled up");
      assertInstanceOf(StorageFullException.class, failure, failure.toString());
      assertAcked(e, acked);
      assertThrows(StorageFullException.class, () -> commit(e, 1_000_000));
      assertThrows(StorageFullException.class, () -> e.put(key(1_000_001), value(1)));
      assertAcked(e, acked);
    }
    assertEquals(0, run("mount", "-o", "remount,size=256m", mount.toString()), "grow the tmpfs");
    try (StorageEngine e = StorageEngines.open("lsm", store, options())) {
      e.verifyIntegrity();
      assertAcked(e, acked);
      commit(e, 2_000_000);
      e.verifyIntegrity();
    }
    System.out.println(
        "RELIABILITY lsm-fs fault=DISK_FULL ackedBeforeFull="
            + acked.size()
            + " exception="
            + failure.getClass().getSimpleName()
            + " failedCommitMillis="
            + failedCommitNanos / 1_000_000
            + " afterFailure=refusedWithStorageFullException ackedLost=0 corruptions=0");
  }

  @Test
  void readOnlyFileSystem_writableOpenThrowsTyped_readOnlyOpenServesEveryAck() throws Exception {
    mountTmpfs("64m");
    Path store = mount.resolve("store");
    List<Integer> acked = new ArrayList<>();
    try (StorageEngine e = StorageEngines.open("lsm", store, options())) {
      for (int n = 0; n < 40; n++) {
        commit(e, n);
        acked.add(n);
      }
    }
    assertEquals(0, run("mount", "-o", "remount,ro", mount.toString()), "remount read-only");
    StorageException failure =
        assertThrows(
            StorageException.class, () -> StorageEngines.open("lsm", store, options()).close());
    try (StorageEngine e =
        StorageEngines.open("lsm", store, options().toBuilder().readOnly(true).build())) {
      assertAcked(e, acked);
      e.verifyIntegrity();
    }
    assertEquals(0, run("mount", "-o", "remount,rw", mount.toString()), "remount read-write");
    try (StorageEngine e = StorageEngines.open("lsm", store, options())) {
      e.verifyIntegrity();
      assertAcked(e, acked);
      commit(e, 5_000);
    }
    System.out.println(
        "RELIABILITY lsm-fs fault=READ_ONLY_FS acked="
            + acked.size()
            + " writableOpen="
            + failure.getClass().getSimpleName()
            + " ackedLost=0 corruptions=0");
  }

  /**
   * The file system turns read-only while the store is open for writing: ext4 with {@code
   * errors=remount-ro} does that itself when it records an error, here triggered through its sysfs
   * {@code trigger_fs_error} knob. The next commit fails with StorageIOException, later ones with
   * EngineFailedException, reads continue, close does not throw, and after a fsck and a fresh mount
   * the reopened store holds every acknowledged commit and accepts writes.
   */
  @Test
  @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void fileSystemTurnsReadOnlyWhileOpen_commitFailsTyped_writesRefused_reopenHoldsEveryAck()
      throws Exception {
    Path image = dir.resolve("ext4.img");
    String device = mountExt4(image);
    Path store = mount.resolve("store");
    List<Integer> acked = new ArrayList<>();
    StorageException failure;
    try (StorageEngine e = StorageEngines.open("lsm", store, options())) {
      for (int n = 0; n < 40; n++) {
        commit(e, n);
        acked.add(n);
      }
      Files.writeString(
          Path.of("/sys/fs/ext4", device, "trigger_fs_error"), "strata lsm fault test\n");
      failure = null;
      for (int n = 40; n < 1_000 && failure == null; n++) {
        try {
          commit(e, n);
          acked.add(n);
        } catch (StorageException x) {
          failure = x;
        }
      }
      assertNotNull(failure, "writes kept succeeding on a read-only file system");
      assertInstanceOf(StorageIOException.class, failure, failure.toString());
      assertThrows(EngineFailedException.class, () -> commit(e, 1_000_000));
      assertAcked(e, acked);
    }
    assertEquals(0, run("umount", mount.toString()), "unmount");
    mount = null;
    int fsck = run("e2fsck", "-f", "-y", image.toString());
    assertTrue(fsck <= 1, "e2fsck exit code " + fsck);
    mountExt4Again(image);
    try (StorageEngine e = StorageEngines.open("lsm", store, options())) {
      e.verifyIntegrity();
      assertAcked(e, acked);
      commit(e, 5_000);
      e.verifyIntegrity();
    }
    System.out.println(
        "RELIABILITY lsm-fs fault=READ_ONLY_WHILE_OPEN acked="
            + acked.size()
            + " exception="
            + failure.getClass().getSimpleName()
            + " afterFailure=refusedWithEngineFailedException ackedLost=0 corruptions=0");
  }

  private void mountExt4Again(Path image) throws Exception {
    Path target = dir.resolve("ext4");
    assertEquals(0, run("mount", "-o", "loop", image.toString(), target.toString()), "mount");
    mount = target;
  }
}
