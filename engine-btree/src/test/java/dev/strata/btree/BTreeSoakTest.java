package dev.strata.btree;

import dev.strata.api.reliability.ConcurrencySoak;

/** Runs the reliability kit's {@link ConcurrencySoak} on the btree engine. */
class BTreeSoakTest extends ConcurrencySoak {
  @Override
  protected String engine() {
    return "btree";
  }
}
