package dev.strata.ledger;

import dev.strata.api.reliability.CrashPointReplay;

/** Runs the reliability kit's {@link CrashPointReplay} on the ledger engine. */
class LedgerReplayTest extends CrashPointReplay {
  @Override
  protected String engine() {
    return "ledger";
  }
}
