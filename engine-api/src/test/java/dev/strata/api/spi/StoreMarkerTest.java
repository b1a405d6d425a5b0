package dev.strata.api.spi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.CorruptionException;
import dev.strata.api.EngineOptions;
import dev.strata.api.StorageEngines;
import dev.strata.api.StorageException;
import dev.strata.api.UnsupportedFormatException;
import dev.strata.api.WrongEngineException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreMarkerTest {
  private static final EngineOptions WRITABLE = EngineOptions.defaults();
  private static final EngineOptions READ_ONLY = EngineOptions.builder().readOnly(true).build();

  @TempDir Path dir;

  @Test
  void write_thenRead_givesEngineAndVersion() {
    StoreMarker.write(dir, "btree", 3);
    StoreMarker m = StoreMarker.read(dir).orElseThrow();
    assertEquals("btree", m.engine());
    assertEquals(3, m.formatVersion());
    assertEquals(dir.resolve(StoreMarker.FILE_NAME), m.file());
    assertEquals(Optional.of("btree"), StorageEngines.detect(dir));
  }

  @Test
  void read_missingOrEmptyDirectory_isEmpty() {
    assertTrue(StoreMarker.read(dir.resolve("absent")).isEmpty());
    assertTrue(StoreMarker.detect(dir.resolve("absent")).isEmpty());
    assertTrue(StoreMarker.detect(dir).isEmpty());
  }

  @Test
  void damagedMarker_everyByte_isCorruption() throws Exception {
    StoreMarker.write(dir, "ledger", 2);
    Path file = dir.resolve(StoreMarker.FILE_NAME);
    byte[] good = Files.readAllBytes(file);
    for (int i = 0; i < good.length; i++) {
      byte[] bad = good.clone();
      bad[i] ^= 0x10;
      Files.write(file, bad);
      int at = i;
      assertThrows(
          CorruptionException.class, () -> StoreMarker.read(dir), "flipped byte at offset " + at);
    }
    Files.write(file, new byte[] {1, 2, 3});
    assertThrows(CorruptionException.class, () -> StoreMarker.read(dir));
  }

  @Test
  void olderLsmMarker_readsAsLsm() throws Exception {
    Files.write(dir.resolve(StoreMarker.LSM_MARKER_FILE), lsmMarker(1));
    StoreMarker m = StoreMarker.read(dir).orElseThrow();
    assertEquals("lsm", m.engine());
    assertEquals(1, m.formatVersion());
  }

  @Test
  void unmarkedStores_areDetectedByTheirFiles() throws Exception {
    Files.createFile(dir.resolve("data.btree"));
    assertEquals(Optional.of("btree"), StoreMarker.detect(dir));
    Files.delete(dir.resolve("data.btree"));
    Files.createFile(dir.resolve("ledger-0000000000.seg"));
    assertEquals(Optional.of("ledger"), StoreMarker.detect(dir));
    Files.delete(dir.resolve("ledger-0000000000.seg"));
    Files.createFile(dir.resolve("CURRENT"));
    assertEquals(Optional.of("lsm"), StoreMarker.detect(dir));
    Files.createFile(dir.resolve("data.btree"));
    assertThrows(CorruptionException.class, () -> StoreMarker.detect(dir));
  }

  @Test
  void claim_emptyDirectory_writesMarker() {
    Path store = dir.resolve("new");
    StoreMarker.claim(store, "btree", 3, WRITABLE);
    assertEquals("btree", StoreMarker.read(store).orElseThrow().engine());
  }

  @Test
  void claim_readOnlyOrNoCreate_writesNothing() {
    Path store = dir.resolve("new");
    StoreMarker.claim(store, "btree", 3, READ_ONLY);
    StoreMarker.claim(store, "btree", 3, EngineOptions.builder().createIfMissing(false).build());
    assertFalse(Files.exists(store));
  }

  @Test
  void claim_unmarkedOwnStore_marksOnWritableOpenOnly() throws Exception {
    Files.createFile(dir.resolve("ledger-0000000000.seg"));
    StoreMarker.claim(dir, "ledger", 2, READ_ONLY);
    assertFalse(Files.exists(dir.resolve(StoreMarker.FILE_NAME)));
    StoreMarker.claim(dir, "ledger", 2, EngineOptions.builder().createIfMissing(false).build());
    assertEquals("ledger", StoreMarker.read(dir).orElseThrow().engine());
  }

  @Test
  void claim_foreignMarker_refusedAndUntouched() throws Exception {
    StoreMarker.write(dir, "ledger", 2);
    byte[] before = Files.readAllBytes(dir.resolve(StoreMarker.FILE_NAME));
    WrongEngineException e =
        assertThrows(
            WrongEngineException.class, () -> StoreMarker.claim(dir, "btree", 3, WRITABLE));
    assertEquals("ledger", e.foundEngine());
    assertEquals("btree", e.requestedEngine());
    assertEquals(dir, e.directory());
    assertTrue(e.getMessage().contains("ledger"), e.getMessage());
    assertArrayEquals(before, Files.readAllBytes(dir.resolve(StoreMarker.FILE_NAME)));
  }

  @Test
  void claim_foreignUnmarkedFiles_refusedWithoutMarking() throws Exception {
    Files.createFile(dir.resolve("CURRENT"));
    WrongEngineException e =
        assertThrows(
            WrongEngineException.class, () -> StoreMarker.claim(dir, "ledger", 2, WRITABLE));
    assertEquals("lsm", e.foundEngine());
    assertFalse(Files.exists(dir.resolve(StoreMarker.FILE_NAME)));
  }

  @Test
  void claim_newerFormatVersion_isUnsupportedFormat() {
    StoreMarker.write(dir, "btree", 4);
    assertThrows(
        UnsupportedFormatException.class, () -> StoreMarker.claim(dir, "btree", 3, WRITABLE));
  }

  @Test
  void write_badNameOrVersion_isIllegalArgument() {
    assertThrows(IllegalArgumentException.class, () -> StoreMarker.write(dir, "BTree", 1));
    assertThrows(IllegalArgumentException.class, () -> StoreMarker.write(dir, "", 1));
    assertThrows(IllegalArgumentException.class, () -> StoreMarker.write(dir, "btree", 0));
  }

  @Test
  void openByDetection_missingOrUnknownDirectory_saysWhich() throws Exception {
    StorageException missing =
        assertThrows(
            StorageException.class,
            () -> StorageEngines.open(dir.resolve("absent"), EngineOptions.defaults()));
    assertTrue(missing.getMessage().contains("does not exist"), missing.getMessage());
    Files.writeString(dir.resolve("notes.txt"), "hello");
    StorageException unknown =
        assertThrows(
            StorageException.class, () -> StorageEngines.open(dir, EngineOptions.defaults()));
    assertTrue(unknown.getMessage().contains("holds no Strata store"), unknown.getMessage());
  }

  @Test
  void openByDetection_engineNotOnClassPath_namesIt() {
    StoreMarker.write(dir, "btree", 3);
    StorageException e =
        assertThrows(
            StorageException.class, () -> StorageEngines.open(dir, EngineOptions.defaults()));
    assertTrue(
        e.getMessage().contains("engine 'btree', which is not on the class path"), e.getMessage());
  }

  private static byte[] lsmMarker(int version) {
    ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
    b.put("STRATLSM".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).putInt(version);
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 0, 12);
    b.putInt((int) crc.getValue());
    return b.array();
  }
}
