package dev.strata.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrowsExactly;

import dev.strata.api.Durability;
import dev.strata.api.EngineOptions;
import org.junit.jupiter.api.Test;

/** Parsing of the {@code raft.*} settings, without starting a replica. */
class RaftSettingsTest {
  private static EngineOptions.Builder base() {
    return EngineOptions.builder()
        .set(RaftSettings.ID, "a")
        .set(RaftSettings.PEERS, "a=127.0.0.1:7000,b=127.0.0.1:7001")
        .set(RaftSettings.ENGINE, "btree");
  }

  @Test
  void localDurability_defaultsToNoSync() {
    assertEquals(Durability.NO_SYNC, RaftSettings.parse(base().build()).localDurability);
  }

  @Test
  void localDurability_acceptsEitherValueInAnyCase() {
    for (String v : new String[] {"SYNC", "sync", "Sync"}) {
      assertEquals(
          Durability.SYNC,
          RaftSettings.parse(base().set(RaftSettings.LOCAL_DURABILITY, v).build()).localDurability,
          v);
    }
    assertEquals(
        Durability.NO_SYNC,
        RaftSettings.parse(base().set(RaftSettings.LOCAL_DURABILITY, "NO_SYNC").build())
            .localDurability);
  }

  @Test
  void batchWait_defaultsTo500Micros_andRefusesValuesOutOfRange() {
    assertEquals(500, RaftSettings.parse(base().build()).batchWaitMicros);
    assertEquals(
        0, RaftSettings.parse(base().set(RaftSettings.BATCH_WAIT, "0").build()).batchWaitMicros);
    for (String bad : new String[] {"-1", "1000001", "soon"}) {
      assertThrowsExactly(
          IllegalArgumentException.class,
          () -> RaftSettings.parse(base().set(RaftSettings.BATCH_WAIT, bad).build()),
          bad);
    }
  }

  @Test
  void localDurability_refusesOtherValues() {
    IllegalArgumentException e =
        assertThrowsExactly(
            IllegalArgumentException.class,
            () -> RaftSettings.parse(base().set(RaftSettings.LOCAL_DURABILITY, "MAYBE").build()));
    assertEquals(true, e.getMessage().contains(RaftSettings.LOCAL_DURABILITY), e.getMessage());
  }
}
