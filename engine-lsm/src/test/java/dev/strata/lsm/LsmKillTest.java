package dev.strata.lsm;

import dev.strata.tck.reliability.ProcessKillHarness;
import java.util.Map;

/** Runs the reliability kit's {@link ProcessKillHarness} on the lsm engine. */
class LsmKillTest extends ProcessKillHarness {
  @Override
  protected String engine() {
    return "lsm";
  }

  /** A small write buffer, so kills also land in memtable flushes and compactions. */
  @Override
  protected Map<String, String> settings() {
    return Map.of("lsm.writeBufferBytes", "1MiB");
  }
}
