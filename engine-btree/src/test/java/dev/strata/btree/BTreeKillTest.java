package dev.strata.btree;

import dev.strata.tck.reliability.ProcessKillHarness;

/** Runs the reliability kit's {@link ProcessKillHarness} on the btree engine. */
class BTreeKillTest extends ProcessKillHarness {
  @Override
  protected String engine() {
    return "btree";
  }
}
