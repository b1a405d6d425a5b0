package dev.strata.cli;

import dev.strata.api.StorageEngine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code strata put --write STORE KEY VALUE}. */
@Command(
    name = "put",
    mixinStandardHelpOptions = true,
    description = {
      "Set KEY to VALUE in one committed, durable transaction. Needs --write. Creates the store"
          + " when it does not exist and --engine names an engine."
    })
final class PutCommand implements Runnable {
  @ParentCommand Strata strata;
  @Mixin StoreArgs store;
  @Mixin WriteFlag write;
  @Mixin KeyArgs keys;

  @Parameters(index = "1", paramLabel = "KEY", description = "The key.")
  String key;

  @Parameters(index = "2", paramLabel = "VALUE", description = "The value.")
  String value;

  @Override
  public void run() {
    write.require("put");
    byte[] k = keys.decode(key, "key");
    byte[] v = keys.decode(value, "value");
    try (StorageEngine engine = store.openWritable(true)) {
      engine.put(k, v);
    }
  }
}
