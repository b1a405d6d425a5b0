package dev.strata.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.strata.api.Durability;
import dev.strata.api.EngineOptions;
import java.util.Map;
import org.apache.kafka.streams.state.DslKeyValueParams;
import org.junit.jupiter.api.Test;

/** The {@code lsm} settings a Kafka store gets unless the application sets them. */
class KafkaEngineDefaultsTest {
  private static Map<String, String> settingsOf(Object supplier) {
    return ((StrataKeyValueBytesStoreSupplier) supplier).options().settings();
  }

  @Test
  void lsm_getsKafkasRocksDbShape() {
    Map<String, String> s = settingsOf(StrataStores.keyValueStore("s", "lsm"));
    assertEquals("16MiB", s.get("lsm.writeBufferBytes"));
    assertEquals("3", s.get("lsm.maxWriteBuffers"));
    assertEquals("50MiB", s.get("lsm.blockCacheBytes"));
    assertEquals("none", s.get("lsm.compression"));
    assertEquals("universal", s.get("lsm.compactionStyle"));
  }

  @Test
  void settingsTheApplicationGives_win_andDurabilityIsKept() {
    EngineOptions given =
        EngineOptions.builder()
            .durability(Durability.SYNC)
            .set("lsm.compression", "zstd")
            .set("lsm.writeBufferBytes", "64MiB")
            .build();
    EngineOptions used =
        ((StrataKeyValueBytesStoreSupplier) StrataStores.keyValueStore("s", "lsm", given))
            .options();
    assertEquals("zstd", used.settings().get("lsm.compression"));
    assertEquals("64MiB", used.settings().get("lsm.writeBufferBytes"));
    assertEquals("universal", used.settings().get("lsm.compactionStyle"));
    assertEquals(Durability.SYNC, used.durability());
  }

  @Test
  void otherEngines_getTheirOptionsUnchanged() {
    EngineOptions given = StrataStores.defaultOptions();
    assertSame(given, KafkaEngineDefaults.apply("btree", given));
    assertEquals(Map.of(), settingsOf(StrataStores.keyValueStore("s", "btree")));
  }

  @Test
  void dslSuppliers_passLsmDefaults_andStrataSettings() {
    StrataDslStoreSuppliers dsl = new StrataDslStoreSuppliers();
    dsl.configure(
        Map.of(
            StrataDslStoreSuppliers.ENGINE_CONFIG,
            "lsm",
            StrataDslStoreSuppliers.SETTINGS_PREFIX + "lsm.maxWriteBuffers",
            "4"));
    Map<String, String> s = settingsOf(dsl.keyValueStore(new DslKeyValueParams("counts", true)));
    assertEquals("4", s.get("lsm.maxWriteBuffers"));
    assertEquals("16MiB", s.get("lsm.writeBufferBytes"));
  }
}
