package dev.strata.api;

import java.nio.file.Path;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

/**
 * The conformance suite against the {@code lmdb} baseline. It lives in {@code dev.strata.api} only
 * so it can switch off, by overriding, the two package-private cases that the baseline's documented
 * shortcuts cannot pass.
 */
class LmdbBaselineConformanceTest extends StorageEngineContract {
  @Override
  protected StorageEngine open(Path dir, EngineOptions o) {
    return StorageEngines.open("lmdb", dir, o);
  }

  @Test
  @Disabled("baseline shortcut: LMDB's compile-time key limit is 511 bytes, not MAX_KEY_SIZE")
  @Override
  void key_ofMaxKeySize_isAccepted() {}

  @Test
  @Disabled("baseline shortcut: LMDB reports no written bytes; the bench takes them from the OS")
  @Override
  void meter_physicalAndSyncs_perCapability() {}
}
