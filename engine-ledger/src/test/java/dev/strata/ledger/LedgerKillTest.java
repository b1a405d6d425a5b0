package dev.strata.ledger;

import dev.strata.tck.reliability.ProcessKillHarness;
import java.util.Map;

/** Runs the reliability kit's {@link ProcessKillHarness} on the ledger engine. */
class LedgerKillTest extends ProcessKillHarness {
  @Override
  protected String engine() {
    return "ledger";
  }

  /** Small segments, so kills also land in segment rollover. */
  @Override
  protected Map<String, String> settings() {
    return Map.of("ledger.segmentBytes", "64KiB");
  }
}
