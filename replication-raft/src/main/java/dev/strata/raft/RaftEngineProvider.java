package dev.strata.raft;

import dev.strata.api.EngineOptions;
import dev.strata.api.StorageEngine;
import dev.strata.api.StorageEngineProvider;
import java.nio.file.Path;
import java.util.Objects;

/** Registers the {@code raft} engine with {@link dev.strata.api.StorageEngines}. */
public final class RaftEngineProvider implements StorageEngineProvider {
  /** Creates the provider; {@link java.util.ServiceLoader} calls this. */
  public RaftEngineProvider() {}

  @Override
  public String name() {
    return "raft";
  }

  /**
   * Opens one replica; see {@link RaftEngine} for the options and the semantics.
   *
   * @throws IllegalArgumentException if a {@code raft.*} setting is missing, unknown or malformed
   * @throws dev.strata.api.StoreLockedException if the directory is open already
   */
  @Override
  public StorageEngine open(Path directory, EngineOptions options) {
    Objects.requireNonNull(directory, "directory");
    Objects.requireNonNull(options, "options");
    return new RaftEngine(directory, options);
  }
}
