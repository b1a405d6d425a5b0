package dev.strata.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Memory-engine behaviour beyond the shared contract: version pruning and the snapshot file. */
class MemoryEngineTest {
  @TempDir Path dir;

  @Test
  void approximateKeyCount_isExactAfterEveryCommit() {
    try (StorageEngine e = StorageEngines.open("memory", dir)) {
      java.util.SplittableRandom random = new java.util.SplittableRandom(7);
      java.util.Set<Integer> live = new java.util.HashSet<>();
      for (int i = 0; i < 2_000; i++) {
        int k = random.nextInt(500);
        if (random.nextInt(3) == 0) {
          e.delete(("k" + k).getBytes());
          live.remove(k);
        } else {
          e.put(("k" + k).getBytes(), new byte[1]);
          live.add(k);
        }
        assertEquals(live.size(), e.approximateKeyCount());
      }
      e.update(
          txn -> {
            txn.deleteRange(KeyRange.prefix("k1".getBytes()));
            return null;
          });
      live.removeIf(k -> Integer.toString(k).startsWith("1"));
      assertEquals(live.size(), e.approximateKeyCount());
    }
  }

  @Test
  void overwrites_withoutReaders_keepOneVersionPerKey() {
    try (StorageEngine e = StorageEngines.open("memory", dir)) {
      for (int i = 0; i < 100; i++) {
        e.put("k".getBytes(), new byte[] {(byte) i});
      }
      assertEquals(2L, e.stats().get("versions").longValue(), "at most the last two survive");
    }
  }

  @Test
  void deletes_withoutReaders_dropTombstonesOnLaterCommits() {
    try (StorageEngine e = StorageEngines.open("memory", dir)) {
      for (int i = 0; i < 100; i++) {
        e.put(("k" + i).getBytes(), new byte[1]);
      }
      for (int i = 0; i < 100; i++) {
        e.delete(("k" + i).getBytes());
      }
      e.put("last".getBytes(), new byte[1]);
      e.put("last".getBytes(), new byte[2]);
      assertEquals(1L, e.stats().get("keys").longValue());
      assertEquals(2L, e.stats().get("versions").longValue());
    }
  }

  @Test
  void snapshotFile_flippedByte_isCorruption() throws Exception {
    Path backup = dir.resolve("backup");
    try (StorageEngine e = StorageEngines.open("memory", dir.resolve("src"))) {
      e.put("key".getBytes(), "value".getBytes());
      e.backup(backup);
    }
    Path file = backup.resolve("memory.snapshot");
    byte[] raw = Files.readAllBytes(file);
    raw[14] ^= 1;
    Files.write(file, raw);
    assertThrows(CorruptionException.class, () -> StorageEngines.open("memory", backup));
  }

  @Test
  void snapshotFile_newerVersion_isUnsupportedFormat() throws Exception {
    Path backup = dir.resolve("backup");
    try (StorageEngine e = StorageEngines.open("memory", dir.resolve("src"))) {
      e.put("key".getBytes(), "value".getBytes());
      e.backup(backup);
    }
    Path file = backup.resolve("memory.snapshot");
    byte[] raw = Files.readAllBytes(file);
    raw[8] = 99;
    Files.write(file, raw);
    assertThrows(UnsupportedFormatException.class, () -> StorageEngines.open("memory", backup));
  }

  @Test
  void snapshotFile_restoresEveryEntry() {
    Path backup = dir.resolve("backup");
    try (StorageEngine e = StorageEngines.open("memory", dir.resolve("src"))) {
      for (int i = 0; i < 1_000; i++) {
        e.put(String.format("k%04d", i).getBytes(), new byte[i % 300]);
      }
      e.backup(backup);
    }
    try (StorageEngine restored = StorageEngines.open("memory", backup)) {
      assertEquals(1_000L, restored.stats().get("keys").longValue());
      assertArrayEquals(new byte[999 % 300], restored.get("k0999".getBytes()));
      restored.verifyIntegrity();
    }
  }
}
