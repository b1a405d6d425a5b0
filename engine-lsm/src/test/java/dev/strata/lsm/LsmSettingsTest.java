package dev.strata.lsm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.EngineOptions;
import dev.strata.api.StorageEngine;
import dev.strata.api.StorageEngines;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LsmSettingsTest {
  @TempDir Path dir;

  @Test
  void defaults_matchTheAgreedBaseline() {
    LsmSettings s = LsmSettings.from(EngineOptions.defaults());
    assertEquals(64L << 20, s.blockCacheBytes());
    assertEquals(64L << 20, s.writeBufferBytes());
    assertEquals(2, s.maxWriteBuffers());
    assertEquals("lz4", s.compression());
    assertEquals("level", s.compactionStyle());
    assertEquals(10, s.bloomBitsPerKey());
    assertEquals(2, s.backgroundJobs());
  }

  @Test
  void validSettings_areParsed_sizesWithSuffixes() {
    LsmSettings s =
        LsmSettings.from(
            EngineOptions.builder()
                .set("lsm.blockCacheBytes", "8MiB")
                .set("lsm.writeBufferBytes", "4m")
                .set("lsm.maxWriteBuffers", "3")
                .set("lsm.compression", "ZSTD")
                .set("lsm.compactionStyle", "universal")
                .set("lsm.bloomBitsPerKey", "0")
                .set("lsm.backgroundJobs", "4")
                .set("btree.pageSize", "whatever: other engines' settings are ignored")
                .build());
    assertEquals(8L << 20, s.blockCacheBytes());
    assertEquals(4L << 20, s.writeBufferBytes());
    assertEquals(3, s.maxWriteBuffers());
    assertEquals("zstd", s.compression());
    assertEquals("universal", s.compactionStyle());
    assertEquals(0, s.bloomBitsPerKey());
    assertEquals(4, s.backgroundJobs());
  }

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource({
    "lsm.blockCacheBytes, 1000",
    "lsm.blockCacheBytes, lots",
    "lsm.writeBufferBytes, -1",
    "lsm.writeBufferBytes, 2TiB",
    "lsm.maxWriteBuffers, 1",
    "lsm.maxWriteBuffers, 65",
    "lsm.compression, gzip",
    "lsm.compactionStyle, tiered",
    "lsm.bloomBitsPerKey, -1",
    "lsm.bloomBitsPerKey, 65",
    "lsm.backgroundJobs, 0",
    "lsm.backgroundJobs, many",
    "lsm.blockcachebytes, 64MiB",
    "lsm.unknown, 1"
  })
  void invalidSetting_isRejectedOnOpen_namingTheKey_andCreatesNothing(String key, String value) {
    Path store = dir.resolve("store");
    EngineOptions options = EngineOptions.builder().set(key, value).build();
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> StorageEngines.open("lsm", store, options));
    assertTrue(e.getMessage().contains(key), e.getMessage());
    assertFalse(Files.exists(store));
  }

  @ParameterizedTest(name = "{0}/{1}")
  @CsvSource({"none, level", "snappy, universal", "zstd, fifo", "lz4, level"})
  void everyCompressionAndStyle_opensAndStoresData(String compression, String style) {
    EngineOptions options =
        EngineOptions.builder()
            .set("lsm.compression", compression)
            .set("lsm.compactionStyle", style)
            .set("lsm.writeBufferBytes", "1MiB")
            .set("lsm.maxWriteBuffers", "3")
            .set("lsm.blockCacheBytes", "1MiB")
            .build();
    try (LsmEngine e = (LsmEngine) StorageEngines.open("lsm", dir, options)) {
      for (int i = 0; i < 200; i++) {
        e.put(("k" + i).getBytes(), new byte[500]);
      }
      e.flush();
      e.compactRange();
      e.verifyIntegrity();
      assertEquals(500, e.get("k7".getBytes()).length);
    }
    try (StorageEngine e = StorageEngines.open("lsm", dir, options)) {
      assertEquals(500, e.get("k199".getBytes()).length);
    }
  }
}
