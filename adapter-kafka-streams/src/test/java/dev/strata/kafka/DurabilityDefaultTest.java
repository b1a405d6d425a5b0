package dev.strata.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.strata.api.Durability;
import dev.strata.api.EngineOptions;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.state.DslKeyValueParams;
import org.junit.jupiter.api.Test;

/** The adapter's durability: {@code NO_SYNC} unless the application asks for {@code SYNC}. */
class DurabilityDefaultTest {
  private static Durability durabilityOf(Object supplier) {
    return ((StrataKeyValueBytesStoreSupplier) supplier).options().durability();
  }

  @Test
  void twoArgumentFactory_usesNoSync() {
    assertEquals(Durability.NO_SYNC, durabilityOf(StrataStores.keyValueStore("s", "memory")));
    assertEquals(Durability.NO_SYNC, StrataStores.defaultOptions().durability());
  }

  @Test
  void explicitOptions_areTakenAsGiven() {
    assertEquals(
        Durability.SYNC,
        durabilityOf(StrataStores.keyValueStore("s", "memory", EngineOptions.defaults())));
  }

  @Test
  void dslSuppliers_defaultToNoSync_andHonourSync() {
    StrataDslStoreSuppliers plain = new StrataDslStoreSuppliers();
    plain.configure(Map.of(StrataDslStoreSuppliers.ENGINE_CONFIG, "memory"));
    assertEquals(Durability.NO_SYNC, durabilityOf(plain.keyValueStore(params())));

    StrataDslStoreSuppliers sync = new StrataDslStoreSuppliers();
    sync.configure(
        Map.of(
            StrataDslStoreSuppliers.ENGINE_CONFIG,
            "memory",
            StrataDslStoreSuppliers.DURABILITY_CONFIG,
            "sync"));
    assertEquals(Durability.SYNC, durabilityOf(sync.keyValueStore(params())));
  }

  @Test
  void dslSuppliers_rejectUnknownDurability() {
    StrataDslStoreSuppliers bad = new StrataDslStoreSuppliers();
    assertThrows(
        ConfigException.class,
        () -> bad.configure(Map.of(StrataDslStoreSuppliers.DURABILITY_CONFIG, "SOMETIMES")));
  }

  private static DslKeyValueParams params() {
    return new DslKeyValueParams("counts", true);
  }
}
