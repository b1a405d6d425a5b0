package dev.strata.ledger;

import dev.strata.tck.reliability.CrashPointReplay;
import java.util.Map;

/** Runs the reliability kit's {@link CrashPointReplay} on the ledger engine. */
class LedgerReplayTest extends CrashPointReplay {
  @Override
  protected String engine() {
    return "ledger";
  }

  /**
   * The smallest segments, so the workload rotates to a new segment file every transaction or two
   * and crash points fall in segment creation, its header, and its directory sync too.
   */
  @Override
  protected Map<String, String> settings() {
    return Map.of("ledger.segmentBytes", "4096");
  }
}
