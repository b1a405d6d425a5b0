package dev.strata.btree;

import dev.strata.tck.reliability.ProcessKillHarness;
import java.util.Map;

/**
 * Runs the reliability kit's {@link ProcessKillHarness} with freelist deltas on nearly every commit
 * (a snapshot after deltas of 20 times its size), so crashes and faults land on delta writes, on
 * snapshot writes that free a chain, and on the meta naming either.
 */
class BTreeFreelistLogKillTest extends ProcessKillHarness {
  @Override
  protected String engine() {
    return "btree";
  }

  @Override
  protected Map<String, String> settings() {
    return Map.of("btree.freelistLogPercent", "2000");
  }
}
