package dev.strata.api.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.Durability;
import dev.strata.api.EngineOptions;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SettingsReaderTest {
  private static SettingsReader reader(String key, String value, String... names) {
    return SettingsReader.forEngine(EngineOptions.builder().set(key, value).build(), "eng", names);
  }

  private static IllegalArgumentException rejected(Runnable read) {
    return assertThrows(IllegalArgumentException.class, read::run);
  }

  @Test
  void forEngine_unknownKeyUnderPrefix_isRejectedBeforeAnyValueIsRead_namingKnownKeys() {
    EngineOptions options = EngineOptions.builder().set("eng.sizee", "1").build();
    IllegalArgumentException e =
        rejected(() -> SettingsReader.forEngine(options, "eng", "size", "mode"));
    assertTrue(e.getMessage().contains("'eng.sizee'"), e.getMessage());
    assertTrue(e.getMessage().contains("[eng.mode, eng.size]"), e.getMessage());
  }

  @Test
  void forEngine_otherEnginesSettings_areIgnored() {
    EngineOptions options = EngineOptions.builder().set("other.size", "lots").build();
    SettingsReader r = SettingsReader.forEngine(options, "eng", "size");
    assertEquals(7, r.longValue("size", 7, 0, 10));
  }

  @Test
  void undeclaredName_isAProgrammingError() {
    SettingsReader r = reader("eng.size", "1", "size");
    assertThrows(IllegalStateException.class, () -> r.intValue("sise", 0, 0, 1));
    assertEquals("eng.size", r.key("size"));
  }

  @Test
  void longValue_acceptsBinarySuffixes() {
    assertEquals(64L << 20, reader("eng.n", "64MiB", "n").longValue("n", 0, 0, Long.MAX_VALUE));
    assertEquals(2048, reader("eng.n", "2k", "n").longValue("n", 0, 0, Long.MAX_VALUE));
    assertEquals(3L << 30, reader("eng.n", " 3 GiB ", "n").longValue("n", 0, 0, Long.MAX_VALUE));
    assertEquals(1L << 40, reader("eng.n", "1t", "n").longValue("n", 0, 0, Long.MAX_VALUE));
  }

  @Test
  void longValue_malformedOrOverflowing_namesKeyValueAndRange() {
    IllegalArgumentException e =
        rejected(() -> reader("eng.n", "12x", "n").longValue("n", 0, 0, 10));
    assertEquals("setting 'eng.n' must be a whole number in [0, 10], got '12x'", e.getMessage());
    rejected(() -> reader("eng.n", "99999999999GiB", "n").longValue("n", 0, 0, Long.MAX_VALUE));
  }

  @Test
  void longValue_outOfRange_namesKeyValueAndRange() {
    IllegalArgumentException e =
        rejected(() -> reader("eng.n", "-1", "n").longValue("n", 0, 0, 10));
    assertEquals("setting 'eng.n' must be in [0, 10], got -1", e.getMessage());
  }

  @Test
  void intValue_beyondInt_isRejected() {
    rejected(() -> reader("eng.n", "3000000000", "n").intValue("n", 0, 0, Integer.MAX_VALUE));
    assertEquals(5, reader("eng.n", "5", "n").intValue("n", 0, 0, 10));
  }

  @Test
  void powerOfTwoValue_checksRangeThenPower() {
    assertEquals(8192, reader("eng.p", "8KiB", "p").powerOfTwoValue("p", 4096, 1024, 65536));
    IllegalArgumentException notPower =
        rejected(() -> reader("eng.p", "5000", "p").powerOfTwoValue("p", 4096, 1024, 65536));
    assertEquals(
        "setting 'eng.p' must be a power of two in [1024, 65536], got 5000", notPower.getMessage());
    IllegalArgumentException range =
        rejected(() -> reader("eng.p", "512", "p").powerOfTwoValue("p", 4096, 1024, 65536));
    assertTrue(range.getMessage().contains("[1024, 65536], got 512"), range.getMessage());
  }

  @Test
  void doubleValue_rejectsNaNAndOutOfRange() {
    assertEquals(0.75, reader("eng.f", "0.75", "f").doubleValue("f", 0.5, 0.1, 1.0));
    IllegalArgumentException nan =
        rejected(() -> reader("eng.f", "NaN", "f").doubleValue("f", 0.5, 0.1, 1.0));
    assertEquals("setting 'eng.f' must be in [0.1, 1.0], got NaN", nan.getMessage());
    IllegalArgumentException word =
        rejected(() -> reader("eng.f", "half", "f").doubleValue("f", 0.5, 0.1, 1.0));
    assertEquals("setting 'eng.f' must be a number in [0.1, 1.0], got 'half'", word.getMessage());
    rejected(() -> reader("eng.f", "1.5", "f").doubleValue("f", 0.5, 0.1, 1.0));
  }

  @Test
  void booleanValue_acceptsOnlyTrueOrFalse() {
    assertTrue(reader("eng.b", "TRUE", "b").booleanValue("b", false));
    assertFalse(reader("eng.b", "false", "b").booleanValue("b", true));
    IllegalArgumentException e =
        rejected(() -> reader("eng.b", "yes", "b").booleanValue("b", false));
    assertEquals("setting 'eng.b' must be true or false, got 'yes'", e.getMessage());
  }

  @Test
  void choiceValue_isCaseInsensitive_andListsChoices() {
    assertEquals(
        "lz4", reader("eng.c", "LZ4", "c").choiceValue("c", "none", Set.of("none", "lz4")));
    IllegalArgumentException e =
        rejected(
            () -> reader("eng.c", "gzip", "c").choiceValue("c", "none", Set.of("none", "lz4")));
    assertEquals("setting 'eng.c' must be one of [lz4, none], got 'gzip'", e.getMessage());
  }

  @Test
  void enumValue_mapsNamesCaseInsensitively_andListsLowerCaseNames() {
    assertEquals(
        Durability.NO_SYNC, reader("eng.d", "no_sync", "d").enumValue("d", Durability.SYNC));
    assertEquals(Durability.SYNC, reader("eng.x", "1", "d", "x").enumValue("d", Durability.SYNC));
    IllegalArgumentException e =
        rejected(() -> reader("eng.d", "fast", "d").enumValue("d", Durability.SYNC));
    assertTrue(e.getMessage().contains("'eng.d'"), e.getMessage());
    assertTrue(e.getMessage().contains("got 'fast'"), e.getMessage());
    assertTrue(e.getMessage().contains("sync"), e.getMessage());
  }

  @Test
  void absentSettings_returnDefaults() {
    SettingsReader r = SettingsReader.ofFullKeys(Map.of());
    assertEquals(3, r.intValue("a.b", 3, 0, 5));
    assertEquals(0.5, r.doubleValue("a.b", 0.5, 0, 1));
    assertTrue(r.booleanValue("a.b", true));
    assertEquals("x", r.choiceValue("a.b", "x", Set.of("x")));
  }
}
