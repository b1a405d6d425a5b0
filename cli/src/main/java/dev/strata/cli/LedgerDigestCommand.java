package dev.strata.cli;

import dev.strata.ledger.LedgerDigest;
import dev.strata.ledger.LedgerEngine;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code strata ledger digest STORE [-o FILE]}. */
@Command(
    name = "digest",
    mixinStandardHelpOptions = true,
    description = {
      "Print the digest of the ledger's committed history as one JSON line:"
          + " {\"size\":N,\"merkleRoot\":\"<hex>\",\"chainHead\":\"<hex>\"}. Keep it outside the"
          + " store; 'ledger verify --digest FILE' later proves the store still extends it."
    })
final class LedgerDigestCommand implements Callable<Integer> {
  @ParentCommand LedgerCommand ledger;
  @Mixin StoreArgs store;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FILE",
      description = "Also write the digest to FILE (created or replaced).")
  Path output;

  @Override
  public Integer call() throws IOException {
    try (LedgerEngine engine = LedgerCommand.open(store)) {
      LedgerDigest d = engine.digest();
      String line = DigestFile.format(d);
      if (output != null) {
        Files.writeString(output, line + "\n", StandardCharsets.UTF_8);
      }
      ledger.strata.out.println(line);
      return Strata.OK;
    }
  }
}
