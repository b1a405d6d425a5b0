package dev.strata.lsm;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.strata.api.CorruptionException;
import dev.strata.api.Cursor;
import dev.strata.api.EngineOptions;
import dev.strata.api.KeyRange;
import dev.strata.api.ReadTxn;
import dev.strata.api.StorageEngine;
import dev.strata.api.StorageEngines;
import dev.strata.api.UnsupportedFormatException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LsmCorruptionTest {
  @TempDir Path dir;

  private static final EngineOptions OPTIONS =
      EngineOptions.builder().set("lsm.compression", "none").build();

  private void writeOneSst() {
    SplittableRandom random = new SplittableRandom(7);
    try (LsmEngine e = (LsmEngine) StorageEngines.open("lsm", dir, OPTIONS)) {
      e.update(
          w -> {
            for (int i = 0; i < 5000; i++) {
              byte[] v = new byte[100];
              random.nextBytes(v);
              w.put(String.format("k%06d", i).getBytes(), v);
            }
            return null;
          });
      e.flush();
    }
  }

  private List<Path> ssts() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.toString().endsWith(".sst")).collect(Collectors.toList());
    }
  }

  @Test
  void corruptedSstDataBlock_verifyIntegrityAndReads_throwCorruption() throws Exception {
    writeOneSst();
    List<Path> ssts = ssts();
    assertTrue(!ssts.isEmpty(), "flush wrote no SST");
    Path sst = ssts.get(0);
    try (RandomAccessFile f = new RandomAccessFile(sst.toFile(), "rw")) {
      // Data blocks come first in a block-based table; flip bytes well inside them.
      for (long offset = 1000; offset < 1016; offset++) {
        f.seek(offset);
        int b = f.read();
        f.seek(offset);
        f.write(b ^ 0xFF);
      }
    }
    StorageEngine e;
    try {
      e = StorageEngines.open("lsm", dir, OPTIONS);
    } catch (CorruptionException detectedOnOpen) {
      assertTrue(detectedOnOpen.getMessage().contains(".sst"), detectedOnOpen.getMessage());
      return;
    }
    try (e) {
      CorruptionException c = assertThrows(CorruptionException.class, e::verifyIntegrity);
      assertTrue(c.getMessage().contains(sst.getFileName().toString()), c.getMessage());
      assertThrows(
          CorruptionException.class,
          () -> {
            try (ReadTxn r = e.beginRead();
                Cursor cursor = r.cursor(KeyRange.all())) {
              while (cursor.next()) {
                cursor.value();
              }
            }
          });
    }
  }

  @Test
  void truncatedSst_isCorruptionOnOpen() throws Exception {
    writeOneSst();
    Path sst = ssts().get(0);
    try (RandomAccessFile f = new RandomAccessFile(sst.toFile(), "rw")) {
      f.setLength(f.length() / 2);
    }
    try (StorageEngine e = StorageEngines.open("lsm", dir, OPTIONS)) {
      e.verifyIntegrity();
      fail("a truncated SST must not pass");
    } catch (CorruptionException expected) {
      assertTrue(expected.getMessage().contains("lsm"), expected.getMessage());
    }
  }

  @Test
  void damagedMarker_isCorruption() throws Exception {
    writeOneSst();
    Path marker = dir.resolve(StoreMarker.FILE_NAME);
    byte[] bytes = Files.readAllBytes(marker);
    bytes[3] ^= 1;
    Files.write(marker, bytes);
    assertThrows(CorruptionException.class, () -> StorageEngines.open("lsm", dir, OPTIONS));
  }

  @Test
  void markerFromNewerFormat_isUnsupportedFormat() throws Exception {
    writeOneSst();
    dev.strata.api.spi.StoreMarker.write(dir, "lsm", StoreMarker.FORMAT_VERSION + 1);
    assertThrows(UnsupportedFormatException.class, () -> StorageEngines.open("lsm", dir, OPTIONS));
  }

  @Test
  void olderMarkerFileFromNewerFormat_isUnsupportedFormat() throws Exception {
    writeOneSst();
    Files.delete(dir.resolve(StoreMarker.FILE_NAME));
    ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
    b.put("STRATLSM".getBytes()).putInt(StoreMarker.FORMAT_VERSION + 1);
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 0, 12);
    b.putInt((int) crc.getValue());
    Files.write(dir.resolve(StoreMarker.OLD_FILE_NAME), b.array());
    assertThrows(UnsupportedFormatException.class, () -> StorageEngines.open("lsm", dir, OPTIONS));
  }

  /**
   * Regression: with the marker present but RocksDB's {@code CURRENT} and WAL files gone, the open
   * created a new empty store, and RocksDB deleted the old tables as obsolete.
   */
  @Test
  void lostCurrentFile_isCorruption_andTheTablesStay() throws Exception {
    writeOneSst();
    List<Path> tables = ssts();
    Files.delete(dir.resolve(StoreDirectory.ROCKSDB_CURRENT));
    try (Stream<Path> files = Files.list(dir)) {
      for (Path log : files.filter(p -> p.toString().endsWith(".log")).toList()) {
        Files.delete(log);
      }
    }
    CorruptionException e =
        assertThrows(CorruptionException.class, () -> StorageEngines.open("lsm", dir, OPTIONS));
    assertTrue(e.getMessage().contains(StoreDirectory.ROCKSDB_CURRENT), e.getMessage());
    for (Path table : tables) {
      assertTrue(Files.exists(table), table + " was deleted");
    }
  }
}
