package dev.strata.ledger;

import dev.strata.api.reliability.FaultInjectionHarness;

/** Runs the reliability kit's {@link FaultInjectionHarness} on the ledger engine. */
class LedgerFaultTest extends FaultInjectionHarness {
  @Override
  protected String engine() {
    return "ledger";
  }
}
