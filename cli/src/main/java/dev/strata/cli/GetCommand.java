package dev.strata.cli;

import dev.strata.api.StorageEngine;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code strata get STORE KEY}: prints one value. */
@Command(
    name = "get",
    mixinStandardHelpOptions = true,
    description = {
      "Print the value of KEY. An absent key prints nothing on standard output, one line on"
          + " standard error, and exits 2."
    })
final class GetCommand implements Callable<Integer> {
  @ParentCommand Strata strata;
  @Mixin StoreArgs store;
  @Mixin KeyArgs keys;

  @Parameters(index = "1", paramLabel = "KEY", description = "The key.")
  String key;

  @Mixin OutputFormatOption output;

  @Override
  public Integer call() {
    byte[] k = keys.decode(key, "key");
    try (StorageEngine engine = store.openReadOnly()) {
      byte[] value = engine.get(k);
      if (value == null) {
        throw new UsageException("key " + Encoding.printable(k) + " not found in " + store.store);
      }
      strata.out.println(output.format.value(k, value));
      return Strata.OK;
    }
  }
}
