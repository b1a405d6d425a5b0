package dev.strata.tck.reliability;

/** The concurrency soak on the reference engine, which also keeps the kit itself honest. */
class MemorySoakTest extends ConcurrencySoak {
  @Override
  protected String engine() {
    return "memory";
  }
}
