package dev.strata.lsm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.strata.api.EngineOptions;
import dev.strata.api.StorageEngine;
import dev.strata.api.StorageEngines;
import dev.strata.api.StorageException;
import dev.strata.api.StorageFullException;
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
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reliability kit's fault injection for lsm, at the file-system level: RocksDB does its own
 * file I/O (its Env), so the shared FileIO seam cannot reach it. The store lives on a small tmpfs
 * mounted for the test; a full disk is the tmpfs filling up, and an I/O error on every write is the
 * mount remounted read-only. A full disk makes the commit throw StorageFullException and later
 * commits too (RocksDB stops writes after a background error), no acknowledged commit is lost, and
 * once space is back a reopen is clean and accepts writes. On a read-only file system a writable
 * open throws a typed exception and a read-only open serves every acknowledged commit. (Remounting
 * read-only while the store is open for writing is not covered: a first version of that test hung,
 * somewhere in RocksDB's commit or close, and was not investigated further.) Mounting needs root
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

  @AfterEach
  void unmount() throws Exception {
    if (mount != null) {
      run("umount", mount.toString());
    }
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
   * Runs only in the long profile: in about one run in three, the commit that fills the disk never
   * returns (RocksDB's native write blocks, seen in a thread dump at {@code RocksDB.write0}), an
   * lsm bug reported with the kit. The timeout turns that hang into a failure instead of a stuck
   * build.
   */
  @Test
  @Tag("soak")
  @Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void fullDisk_commitThrowsStorageFull_nothingAckedIsLost_reopensCleanWithSpace()
      throws Exception {
    mountTmpfs("24m");
    Path store = mount.resolve("store");
    List<Integer> acked = new ArrayList<>();
    StorageException failure = null;
    String after;
    try (StorageEngine e = StorageEngines.open("lsm", store, options())) {
      for (int n = 0; n < 10_000 && failure == null; n++) {
        try {
          commit(e, n);
          acked.add(n);
        } catch (StorageException x) {
          failure = x;
        }
      }
      assertNotNull(failure, "24 MiB never filled up");
      assertInstanceOf(StorageFullException.class, failure, failure.toString());
      assertAcked(e, acked);
      try {
        commit(e, 1_000_000);
        after = "continues (the next commit succeeded)";
        acked.add(1_000_000);
      } catch (StorageException x) {
        after = "refuses writes with " + x.getClass().getSimpleName();
      }
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
            + " afterFailure="
            + after
            + " ackedLost=0 corruptions=0");
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
}
