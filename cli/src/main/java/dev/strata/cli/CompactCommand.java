package dev.strata.cli;

import dev.strata.api.CopyCompaction;
import dev.strata.api.InPlaceCompaction;
import dev.strata.api.StorageEngine;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code strata compact}: btree rewrites into a new store, lsm compacts in place, ledger has no
 * compaction (its history is the point).
 *
 * <p>The command reaches engines by name only and does not compile against engine modules: it uses
 * the contract's optional compaction interfaces, {@link CopyCompaction} (btree) and {@link
 * InPlaceCompaction} (lsm).
 */
@Command(
    name = "compact",
    mixinStandardHelpOptions = true,
    description = {
      "btree: rewrite the last committed state into a new, dense store in TARGET (leaves packed"
          + " full in key order, no free pages); the source is opened read-only and left as it is."
          + " Replace the old directory with TARGET yourself once you have checked it.",
      "lsm: compact the whole key space in place (needs --write; no TARGET).",
      "ledger: refused; an append-only ledger keeps every entry.",
      "Reports the store's size before and after.",
    })
final class CompactCommand implements Runnable {
  @ParentCommand Strata strata;
  @Mixin StoreArgs store;
  @Mixin WriteFlag write;

  @Parameters(
      index = "1",
      arity = "0..1",
      paramLabel = "TARGET",
      description = "btree: the directory for the compacted store (missing or empty).")
  Path target;

  @Override
  public void run() {
    long before = InfoCommand.totalBytes(store.store);
    String engineName;
    boolean copies;
    boolean inPlace;
    Path after;
    try (StorageEngine probe = store.openReadOnly()) {
      engineName = probe.name();
      copies = probe instanceof CopyCompaction;
      inPlace = probe instanceof InPlaceCompaction;
    }
    if (copies) {
      if (target == null) {
        throw new UsageException(
            engineName + " compaction writes a new store: name a TARGET directory");
      }
      try (StorageEngine engine = store.openReadOnly()) {
        ((CopyCompaction) engine).compactInto(target);
      }
      after = target;
    } else if (inPlace) {
      if (target != null) {
        throw new UsageException(engineName + " compacts in place: drop TARGET");
      }
      write.require(engineName + " compaction");
      try (StorageEngine engine = store.openWritable(false)) {
        ((InPlaceCompaction) engine).compactInPlace();
      }
      after = store.store;
    } else {
      throw new UsageException(
          engineName
              + " has no compaction"
              + (engineName.equals("ledger")
                  ? ": an append-only ledger keeps every entry of its history"
                  : ""));
    }
    long now = InfoCommand.totalBytes(after);
    strata.out.println(
        "compacted "
            + engineName
            + " store "
            + store.store
            + (after.equals(store.store) ? " in place" : " into " + after)
            + ": "
            + before
            + " bytes ("
            + InfoCommand.human(before)
            + ") before, "
            + now
            + " bytes ("
            + InfoCommand.human(now)
            + ") after");
  }
}
