package dev.strata.ledger;

import dev.strata.tck.reliability.ConcurrencySoak;

/** Runs the reliability kit's {@link ConcurrencySoak} on the ledger engine. */
class LedgerSoakTest extends ConcurrencySoak {
  @Override
  protected String engine() {
    return "ledger";
  }

  /** An append-only log keeps every version by design: it grows with every commit. */
  @Override
  protected boolean boundedStore() {
    return false;
  }
}
