package dev.strata.api.spi;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The interrupt flag is cleared inside engine calls and restored when the outermost returns. */
class InterruptShieldTest {
  @AfterEach
  void clearFlag() {
    Thread.interrupted();
  }

  @Test
  void aSetFlag_isClearedInsideNestedCalls_andRestoredByTheOutermostExit() {
    Thread.currentThread().interrupt();
    InterruptShield.enter();
    assertFalse(Thread.currentThread().isInterrupted(), "cleared on entry");
    InterruptShield.enter();
    assertFalse(Thread.currentThread().isInterrupted());
    InterruptShield.exit();
    assertFalse(Thread.currentThread().isInterrupted(), "an inner exit keeps it cleared");
    InterruptShield.exit();
    assertTrue(Thread.currentThread().isInterrupted(), "the outermost exit restores it");
  }

  @Test
  void withoutAnInterrupt_noFlagAppears_andOneArrivingDuringTheCallStays() {
    InterruptShield.enter();
    InterruptShield.exit();
    assertFalse(Thread.currentThread().isInterrupted());
    InterruptShield.enter();
    Thread.currentThread().interrupt();
    InterruptShield.exit();
    assertTrue(Thread.currentThread().isInterrupted(), "a new interrupt is not swallowed");
    Thread.interrupted();
    InterruptShield.enter();
    InterruptShield.exit();
    assertFalse(Thread.currentThread().isInterrupted(), "nothing left over from the last call");
  }
}
