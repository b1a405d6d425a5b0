package dev.strata.cli;

import dev.strata.api.StorageEngine;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code strata backup STORE TARGET}: a consistent copy that opens as a store. */
@Command(
    name = "backup",
    mixinStandardHelpOptions = true,
    description = {
      "Write a consistent copy of the last committed state into TARGET (a directory that does not"
          + " exist or is empty) with the engine's backup(); the copy opens as a store of the same"
          + " engine. Opens the source read-only, so it works on a store no process writes."
    })
final class BackupCommand implements Runnable {
  @ParentCommand Strata strata;
  @Mixin StoreArgs store;

  @Parameters(index = "1", paramLabel = "TARGET", description = "The backup directory.")
  Path target;

  @Override
  public void run() {
    try (StorageEngine engine = store.openReadOnly()) {
      engine.backup(target);
      long bytes = InfoCommand.totalBytes(target);
      strata.out.println(
          "backup of "
              + engine.name()
              + " store "
              + store.store
              + " written to "
              + target
              + ": "
              + InfoCommand.files(target).size()
              + " files, "
              + bytes
              + " bytes ("
              + InfoCommand.human(bytes)
              + ")");
    }
  }
}
