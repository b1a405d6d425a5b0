package dev.strata.btree;

import dev.strata.tck.reliability.CrashPointReplay;

/** Runs the reliability kit's {@link CrashPointReplay} on the btree engine. */
class BTreeReplayTest extends CrashPointReplay {
  @Override
  protected String engine() {
    return "btree";
  }
}
