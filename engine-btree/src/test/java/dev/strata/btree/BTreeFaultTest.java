package dev.strata.btree;

import dev.strata.tck.reliability.FaultInjectionHarness;

/** Runs the reliability kit's {@link FaultInjectionHarness} on the btree engine. */
class BTreeFaultTest extends FaultInjectionHarness {
  @Override
  protected String engine() {
    return "btree";
  }
}
