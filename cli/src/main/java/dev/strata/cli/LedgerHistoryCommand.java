package dev.strata.cli;

import dev.strata.ledger.KeyVersion;
import dev.strata.ledger.LedgerEngine;
import dev.strata.ledger.Operation;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code strata ledger history STORE KEY}. */
@Command(
    name = "history",
    mixinStandardHelpOptions = true,
    description = {
      "Print every committed version of KEY, oldest first: sequence number, commit time (UTC),"
          + " transaction, operation and the value it set."
    })
final class LedgerHistoryCommand implements Runnable {
  @ParentCommand LedgerCommand ledger;
  @Mixin StoreArgs store;

  @Parameters(index = "1", paramLabel = "KEY", description = "The key.")
  String key;

  @Option(
      names = "--arg-format",
      paramLabel = "FORMAT",
      defaultValue = "text",
      description = "How KEY is written: text, hex or base64. Default: ${DEFAULT-VALUE}.")
  Encoding argFormat = Encoding.TEXT;

  @Option(
      names = "--format",
      paramLabel = "FORMAT",
      defaultValue = "text",
      description = "How values are printed: text, hex or base64. Default: ${DEFAULT-VALUE}.")
  Encoding format = Encoding.TEXT;

  @Override
  public void run() {
    byte[] k = argFormat.decode(key, "key");
    try (LedgerEngine engine = LedgerCommand.open(store)) {
      List<KeyVersion> versions = engine.history(k);
      if (versions.isEmpty()) {
        throw new UsageException(
            "key " + Encoding.printable(k) + " was never written in " + store.store);
      }
      for (KeyVersion v : versions) {
        Instant at = Instant.EPOCH.plus(v.timestamp(), ChronoUnit.MICROS);
        String value =
            v.operation() == Operation.DELETE ? "" : format.encode(engine.getAt(k, v.seq()));
        ledger.strata.out.println(
            v.seq() + "\t" + at + "\ttxn " + v.txnId() + "\t" + v.operation() + "\t" + value);
      }
    }
  }
}
