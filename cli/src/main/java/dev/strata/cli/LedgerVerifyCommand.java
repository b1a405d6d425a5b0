package dev.strata.cli;

import dev.strata.api.TamperException;
import dev.strata.ledger.ConsistencyProof;
import dev.strata.ledger.LedgerDigest;
import dev.strata.ledger.LedgerEngine;
import dev.strata.ledger.LedgerProofs;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code strata ledger verify STORE --digest FILE}. */
@Command(
    name = "verify",
    mixinStandardHelpOptions = true,
    description = {
      "Check that the ledger still extends a digest kept outside it: the store replays its whole"
          + " log against the digest (verify), and a consistency proof from the digest's size to"
          + " the current one is checked offline with the static verifier. Prints OK (exit 0) or"
          + " TAMPERED with the first bad sequence number (exit 1)."
    })
final class LedgerVerifyCommand implements Callable<Integer> {
  @ParentCommand LedgerCommand ledger;
  @Mixin StoreArgs store;

  @Option(
      names = "--digest",
      required = true,
      paramLabel = "FILE",
      description = "The trusted digest, as 'ledger digest' wrote it.")
  Path digestFile;

  @Override
  public Integer call() {
    LedgerDigest trusted = DigestFile.read(digestFile);
    try (LedgerEngine engine = LedgerCommand.open(store)) {
      LedgerDigest now = engine.digest();
      if (trusted.size() > now.size()) {
        return tampered(
            "the digest covers "
                + trusted.size()
                + " entries but the ledger holds "
                + now.size()
                + ": history was truncated");
      }
      try {
        engine.verify(trusted);
      } catch (TamperException e) {
        return tampered("at sequence number " + e.sequence() + ": " + e.getMessage());
      }
      ConsistencyProof proof = engine.proveConsistency(trusted.size(), now.size());
      if (!LedgerProofs.verifyConsistency(proof, trusted.merkleRoot(), now.merkleRoot())) {
        return tampered(
            "the consistency proof from size "
                + trusted.size()
                + " to "
                + now.size()
                + " does not verify against the digest");
      }
      ledger.strata.out.println(
          "OK: ledger "
              + store.store
              + " extends the digest: size "
              + trusted.size()
              + " -> "
              + now.size()
              + "; log replayed against it, consistency proof ("
              + proof.path().size()
              + " hashes) verified offline");
      return Strata.OK;
    }
  }

  private int tampered(String why) {
    ledger.strata.out.println("TAMPERED: ledger " + store.store + " " + why);
    return Strata.FAILED_CHECK;
  }
}
