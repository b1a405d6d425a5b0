package dev.strata.lsm;

import dev.strata.tck.reliability.ConcurrencySoak;
import java.util.Map;

/** Runs the reliability kit's {@link ConcurrencySoak} on the lsm engine. */
class LsmSoakTest extends ConcurrencySoak {
  @Override
  protected String engine() {
    return "lsm";
  }

  /** A small write buffer, so flushes and compactions run within a short soak. */
  @Override
  protected Map<String, String> settings() {
    return Map.of("lsm.writeBufferBytes", "1MiB");
  }
}
