package dev.strata.cli;

import dev.strata.api.Cursor;
import dev.strata.api.KeyRange;
import dev.strata.api.StorageEngine;
import dev.strata.api.WriteTxn;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code strata delete-range --write STORE (--prefix P | --from A --to B | --all)}. */
@Command(
    name = "delete-range",
    mixinStandardHelpOptions = true,
    description = {
      "Delete every key of a range (--prefix, --from/--to, or --all) in one committed, durable"
          + " transaction: all of them or, on failure, none. Prints how many were deleted. Needs"
          + " --write."
    })
final class DeleteRangeCommand implements Runnable {
  /**
   * Keys read per cursor pass: a cursor is never open while its own transaction deletes, so the
   * walk needs no rule for cursors over a changing transaction, and the command's memory stays
   * bounded (the engine's write transaction holds the deletes until the commit).
   */
  private static final int BATCH = 10_000;

  @ParentCommand Strata strata;
  @Mixin StoreArgs store;
  @Mixin WriteFlag write;
  @Mixin KeyArgs keys;

  @Option(names = "--all", description = "Delete every key (instead of a range option).")
  boolean all;

  @Override
  public void run() {
    write.require("delete-range");
    if (all != keys.isAll()) {
      throw new UsageException(
          all
              ? "--all cannot be combined with --prefix, --from or --to"
              : "name the range with --prefix, --from/--to, or --all for every key");
    }
    KeyRange range = keys.range();
    long deleted = 0;
    try (StorageEngine engine = store.openWritable(false);
        WriteTxn txn = engine.beginWrite()) {
      KeyRange pass = range;
      while (true) {
        List<byte[]> batch = new ArrayList<>(BATCH);
        try (Cursor c = txn.cursor(pass)) {
          while (batch.size() < BATCH && c.next() && range.contains(c.key())) {
            batch.add(c.key());
          }
        }
        for (byte[] k : batch) {
          txn.delete(k);
        }
        deleted += batch.size();
        if (batch.size() < BATCH) {
          break;
        }
        // The transaction no longer sees the keys it deleted, so the next pass may start at the
        // last one: the cursor skips straight past everything already done.
        pass = KeyRange.atLeast(batch.get(batch.size() - 1));
      }
      txn.commit();
    }
    strata.out.println("deleted " + deleted);
  }
}
