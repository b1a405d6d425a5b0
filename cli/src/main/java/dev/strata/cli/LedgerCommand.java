package dev.strata.cli;

import dev.strata.api.StorageEngine;
import dev.strata.ledger.LedgerEngine;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/**
 * {@code strata ledger digest | verify | prove | history}: a ledger's digests and proofs, each
 * proof checked offline with the static verifier {@link dev.strata.ledger.LedgerProofs}.
 */
@Command(
    name = "ledger",
    mixinStandardHelpOptions = true,
    description = {
      "Digests, proofs and history of a ledger store. Proofs are checked offline with the static"
          + " verifier (LedgerProofs), which trusts only the digest, never the store."
    },
    subcommands = {
      LedgerDigestCommand.class,
      LedgerVerifyCommand.class,
      LedgerProveCommand.class,
      LedgerHistoryCommand.class,
    })
final class LedgerCommand implements Runnable {
  @ParentCommand Strata strata;
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(
        spec.commandLine(), "name a ledger command: digest, verify, prove or history");
  }

  /** Opens the store read-only and checks that it is a ledger. */
  static LedgerEngine open(StoreArgs store) {
    StorageEngine engine = store.openReadOnly();
    if (engine instanceof LedgerEngine ledger) {
      return ledger;
    }
    String name = engine.name();
    engine.close();
    throw new UsageException(
        store.store
            + " holds a store of engine '"
            + name
            + "'; ledger commands need a ledger store");
  }
}
