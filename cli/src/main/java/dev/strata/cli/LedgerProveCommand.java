package dev.strata.cli;

import dev.strata.ledger.InclusionProof;
import dev.strata.ledger.LedgerDigest;
import dev.strata.ledger.LedgerEngine;
import dev.strata.ledger.LedgerEntry;
import dev.strata.ledger.LedgerProofs;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code strata ledger prove STORE --seq N [--digest FILE]}. */
@Command(
    name = "prove",
    mixinStandardHelpOptions = true,
    description = {
      "Print entry N, an inclusion proof that it is in the tree a digest commits to (the current"
          + " digest, or --digest FILE), and the offline check of that proof with the static"
          + " verifier: verified (exit 0) or FAILED (exit 1)."
    })
final class LedgerProveCommand implements Callable<Integer> {
  @ParentCommand LedgerCommand ledger;
  @Mixin StoreArgs store;

  @Option(names = "--seq", required = true, paramLabel = "N", description = "The entry.")
  long seq;

  @Option(
      names = "--digest",
      paramLabel = "FILE",
      description = "Prove against this digest instead of the current one.")
  Path digestFile;

  @Override
  public Integer call() {
    try (LedgerEngine engine = LedgerCommand.open(store)) {
      LedgerDigest digest = digestFile == null ? engine.digest() : DigestFile.read(digestFile);
      if (seq < 0 || seq >= digest.size()) {
        throw new UsageException(
            "--seq " + seq + " is outside the digest's entries 0.." + (digest.size() - 1));
      }
      LedgerEntry entry = engine.entry(seq);
      InclusionProof proof = engine.proveInclusion(seq, digest.size());
      boolean ok = LedgerProofs.verifyInclusion(entry, proof, digest);
      HexFormat hex = HexFormat.of();
      PrintStream out = ledger.strata.out;
      out.println("entry      " + entry.seq() + " " + entry.operation() + " txn " + entry.txnId());
      out.println("key        " + Encoding.printable(entry.key()));
      out.println("value      " + Encoding.printable(entry.value()));
      out.println("leaf hash  " + hex.formatHex(entry.leafHash()));
      out.println(
          "digest     size " + digest.size() + " root " + hex.formatHex(digest.merkleRoot()));
      out.println("proof      " + proof.path().size() + " hashes");
      for (byte[] h : proof.path()) {
        out.println("  " + hex.formatHex(h));
      }
      out.println(
          ok
              ? "verified: entry " + seq + " is in the tree of size " + digest.size()
              : "FAILED: the proof for entry " + seq + " does not verify against the digest");
      return ok ? Strata.OK : Strata.FAILED_CHECK;
    }
  }
}
