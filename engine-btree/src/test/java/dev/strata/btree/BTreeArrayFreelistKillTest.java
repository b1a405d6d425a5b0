package dev.strata.btree;

import dev.strata.tck.reliability.ProcessKillHarness;
import java.util.Map;

/**
 * Runs the reliability kit's {@link ProcessKillHarness} on the btree engine with the {@code array}
 * freelist, the alternative to the default hash-segregated one, so both allocators' persistence is
 * killed mid-commit.
 */
class BTreeArrayFreelistKillTest extends ProcessKillHarness {
  @Override
  protected String engine() {
    return "btree";
  }

  @Override
  protected Map<String, String> settings() {
    return Map.of("btree.freelist", "array");
  }
}
