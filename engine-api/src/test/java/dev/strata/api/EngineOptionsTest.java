package dev.strata.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.junit.jupiter.api.Test;

class EngineOptionsTest {
  @Test
  void defaults_areSyncCreateReadWrite() {
    EngineOptions o = EngineOptions.defaults();
    assertEquals(Durability.SYNC, o.durability());
    assertTrue(o.createIfMissing());
    assertFalse(o.readOnly());
    assertTrue(o.settings().isEmpty());
  }

  @Test
  void builder_buildsImmutableSnapshots() {
    EngineOptions.Builder b = EngineOptions.builder().set("btree.pageSize", 8192);
    EngineOptions first = b.build();
    b.set("btree.pageSize", "16384");
    assertEquals("8192", first.settings().get("btree.pageSize"));
    assertThrows(UnsupportedOperationException.class, () -> first.settings().put("a.b", "c"));
    assertEquals(first, first.toBuilder().build());
  }

  @Test
  void set_malformedKey_isRejected() {
    assertThrows(
        IllegalArgumentException.class, () -> EngineOptions.builder().set("pageSize", "1"));
    assertThrows(IllegalArgumentException.class, () -> EngineOptions.builder().set("btree.", "1"));
    assertThrows(NullPointerException.class, () -> EngineOptions.builder().set("a.b", null));
  }

  @Test
  void longSetting_parsesBinarySuffixesAndChecksRange() {
    EngineOptions o =
        EngineOptions.builder()
            .set("lsm.a", "64MiB")
            .set("lsm.b", "2k")
            .set("lsm.c", "-1")
            .set("lsm.d", "12x")
            .set("lsm.e", "99999999999GiB")
            .build();
    assertEquals(64L << 20, o.longSetting("lsm.a", 0, 0, Long.MAX_VALUE));
    assertEquals(2048, o.longSetting("lsm.b", 0, 0, Long.MAX_VALUE));
    assertEquals(7, o.longSetting("lsm.absent", 7, 0, 10));
    IllegalArgumentException range =
        assertThrows(IllegalArgumentException.class, () -> o.longSetting("lsm.c", 0, 0, 10));
    assertTrue(range.getMessage().contains("lsm.c") && range.getMessage().contains("[0, 10]"));
    assertThrows(IllegalArgumentException.class, () -> o.longSetting("lsm.d", 0, 0, 10));
    assertThrows(
        IllegalArgumentException.class, () -> o.longSetting("lsm.e", 0, 0, Long.MAX_VALUE));
  }

  @Test
  void intSetting_rejectsValuesBeyondInt() {
    EngineOptions o = EngineOptions.builder().set("x.n", "3000000000").build();
    assertThrows(
        IllegalArgumentException.class, () -> o.intSetting("x.n", 0, 0, Integer.MAX_VALUE));
  }

  @Test
  void doubleSetting_rejectsNaNAndOutOfRange() {
    EngineOptions o =
        EngineOptions.builder()
            .set("btree.f", "0.75")
            .set("btree.g", "NaN")
            .set("btree.h", "1.5")
            .build();
    assertEquals(0.75, o.doubleSetting("btree.f", 0.5, 0.1, 1.0));
    assertThrows(IllegalArgumentException.class, () -> o.doubleSetting("btree.g", 0.5, 0.1, 1.0));
    assertThrows(IllegalArgumentException.class, () -> o.doubleSetting("btree.h", 0.5, 0.1, 1.0));
  }

  @Test
  void booleanAndChoiceSettings_validateWords() {
    EngineOptions o =
        EngineOptions.builder()
            .set("btree.sync", "TRUE")
            .set("btree.bad", "yes")
            .set("lsm.compression", "LZ4")
            .set("lsm.style", "fancy")
            .build();
    assertTrue(o.booleanSetting("btree.sync", false));
    assertThrows(IllegalArgumentException.class, () -> o.booleanSetting("btree.bad", false));
    assertEquals("lz4", o.choiceSetting("lsm.compression", "none", Set.of("none", "lz4")));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> o.choiceSetting("lsm.style", "level", Set.of("level", "universal")));
    assertTrue(e.getMessage().contains("[level, universal]"), e.getMessage());
  }

  @Test
  void requireKnownSettings_rejectsTyposUnderOwnPrefixOnly() {
    EngineOptions o =
        EngineOptions.builder().set("btree.pageSiz", "4096").set("lsm.compression", "lz4").build();
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> o.requireKnownSettings("btree.", Set.of("btree.pageSize")));
    assertTrue(
        e.getMessage().contains("btree.pageSiz") && e.getMessage().contains("btree.pageSize"));
    EngineOptions other = EngineOptions.builder().set("lsm.compression", "lz4").build();
    other.requireKnownSettings("btree.", Set.of("btree.pageSize"));
  }
}
