package dev.strata.ledger;

import dev.strata.api.EngineOptions;
import dev.strata.api.StorageEngine;
import dev.strata.api.StorageEngineProvider;
import java.nio.file.Path;

/** Registers the {@code ledger} engine with {@link dev.strata.api.StorageEngines}. Thread-safe. */
public final class LedgerEngineProvider implements StorageEngineProvider {
  /** Creates the provider; called by {@link java.util.ServiceLoader}. */
  public LedgerEngineProvider() {}

  @Override
  public String name() {
    return LedgerEngine.NAME;
  }

  /**
   * Opens or creates a ledger; see {@link LedgerEngine#open(Path, EngineOptions)}.
   *
   * @return a {@link LedgerEngine}
   */
  @Override
  public StorageEngine open(Path directory, EngineOptions options) {
    return LedgerEngine.open(directory, options);
  }
}
