package dev.strata.ledger;

import dev.strata.tck.reliability.FaultInjectionHarness;
import java.util.Map;

/** Runs the reliability kit's {@link FaultInjectionHarness} on the ledger engine. */
class LedgerFaultTest extends FaultInjectionHarness {
  @Override
  protected String engine() {
    return "ledger";
  }

  /** The smallest segments, so the commit under test also rotates to a new segment file. */
  @Override
  protected Map<String, String> settings() {
    return Map.of("ledger.segmentBytes", "4096");
  }
}
