package dev.strata.cli;

import dev.strata.api.EngineOptions;
import dev.strata.api.StorageEngine;
import dev.strata.api.StorageEngines;
import dev.strata.api.StoreLockedException;
import dev.strata.api.WrongEngineException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The store argument every command takes, with {@code --engine}, and the way commands open it: by
 * detection from the directory, or with the named engine, read-only unless the command writes.
 */
final class StoreArgs {
  @Parameters(index = "0", paramLabel = "STORE", description = "The store directory.")
  Path store;

  @Option(
      names = "--engine",
      paramLabel = "NAME",
      description =
          "The engine (btree, lsm, ledger, ...). Detected from the store when omitted; needed only"
              + " to create a store.")
  String engine;

  /** Opens an existing store read-only. */
  StorageEngine openReadOnly() {
    return open(false, false);
  }

  /**
   * Opens the store for writing; creates it only when {@code create} is true and an engine is
   * named.
   */
  StorageEngine openWritable(boolean create) {
    return open(true, create);
  }

  private StorageEngine open(boolean writable, boolean create) {
    Optional<String> detected = StorageEngines.detect(store);
    if (!Files.exists(store) && !(create && engine != null)) {
      throw new UsageException(
          "no store at "
              + store
              + ": the directory does not exist"
              + (create ? " (name an engine with --engine to create one)" : ""));
    }
    if (Files.exists(store) && !Files.isDirectory(store)) {
      throw new UsageException(store + " is not a directory");
    }
    if (detected.isEmpty() && (engine == null || !create)) {
      throw new UsageException(
          store
              + " holds no Strata store (no marker and no engine's files)"
              + (create ? "; name an engine with --engine to create one" : ""));
    }
    EngineOptions options =
        EngineOptions.builder().readOnly(!writable).createIfMissing(writable && create).build();
    try {
      return engine == null
          ? StorageEngines.open(store, options)
          : StorageEngines.open(engine, store, options);
    } catch (StoreLockedException e) {
      throw new UsageException(LockHolder.describe(store, e.getMessage()));
    } catch (WrongEngineException e) {
      throw new UsageException(e.getMessage());
    }
  }
}
