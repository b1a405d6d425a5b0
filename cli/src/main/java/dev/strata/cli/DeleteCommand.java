package dev.strata.cli;

import dev.strata.api.StorageEngine;
import dev.strata.api.WriteTxn;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code strata delete --write STORE KEY}. */
@Command(
    name = "delete",
    mixinStandardHelpOptions = true,
    description = {
      "Delete KEY in one committed, durable transaction; prints 'deleted 1' or 'deleted 0' (it"
          + " was absent). Needs --write."
    })
final class DeleteCommand implements Runnable {
  @ParentCommand Strata strata;
  @Mixin StoreArgs store;
  @Mixin WriteFlag write;
  @Mixin KeyArgs keys;

  @Parameters(index = "1", paramLabel = "KEY", description = "The key.")
  String key;

  @Override
  public void run() {
    write.require("delete");
    byte[] k = keys.decode(key, "key");
    try (StorageEngine engine = store.openWritable(false);
        WriteTxn txn = engine.beginWrite()) {
      boolean present = txn.get(k) != null;
      if (present) {
        txn.delete(k);
      }
      txn.commit();
      strata.out.println("deleted " + (present ? 1 : 0));
    }
  }
}
