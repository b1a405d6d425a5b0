package dev.strata.btree;

import dev.strata.tck.reliability.ConcurrencySoak;

/** Runs the reliability kit's {@link ConcurrencySoak} on the btree engine. */
class BTreeSoakTest extends ConcurrencySoak {
  @Override
  protected String engine() {
    return "btree";
  }
}
