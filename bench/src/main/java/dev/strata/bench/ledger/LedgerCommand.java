package dev.strata.bench.ledger;

import static dev.strata.bench.ledger.AppendWorkloads.*;
import static dev.strata.bench.ledger.BigLedgerWorkloads.*;
import static dev.strata.bench.ledger.HashBound.*;
import static dev.strata.bench.ledger.LedgerMeasure.*;
import static dev.strata.bench.ledger.ScanVerifyWorkloads.*;
import static dev.strata.bench.ledger.VerifyWorkloads.*;

import dev.strata.api.Durability;
import dev.strata.api.EngineOptions;
import dev.strata.bench.runner.SystemProbe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code strata-bench ledger}: the ledger's performance targets, measured in one run so ratios
 * compare like with like. Positional arguments:
 *
 * <pre>
 * ledger [workDir] [bigEntries]
 *     [small-only|hot-only|append-verify|verify-only|reads|big-only|open-only|wa-only|verify-sizes
 *     |append-matrix [rounds]|append-one perTxn entries keyspace
 *     |append-ab hashThread,hashThread,... rounds entries keyspace|open-crash
 *     |scan-verify [rounds] [keys] [scans]|verify-bound [rounds] [keys]]
 * </pre>
 *
 * The work directory defaults to a new temporary directory and the big ledger to 10^7 entries;
 * without a mode the command runs the hashing bound, the append, verify, write-amplification and
 * group-commit rows and (unless {@code small-only}) the big ledger. {@code append-ab} runs the
 * append workload (100 puts per transaction) {@code rounds} times over each configuration in one
 * JVM, so that later rounds compare both ways with a warm JIT: a configuration is the {@code
 * ledger.hashThread} setting ({@code false}: all hashing in line). {@code scan-verify} measures, in
 * interleaved rounds, 1,000-entry scans against the lsm engine's and {@code verifyIntegrity()}
 * against the two-core SHA-256 bound ({@link ScanVerifyWorkloads}); {@code verify-bound} the verify
 * against the bound alone.
 *
 * <p>Prints one line per figure. Everything goes through the ledger's public API.
 */
@Command(
    name = "ledger",
    mixinStandardHelpOptions = true,
    description = {
      "The ledger engine's append, verify, read, write-amplification, group-commit, open and"
          + " proof figures, each against the SHA-256 bound measured in the same JVM."
    })
public final class LedgerCommand implements Callable<Integer> {
  @Parameters(
      arity = "0..*",
      paramLabel = "ARG",
      description = "[workDir] [bigEntries] [mode] [mode arguments...]")
  List<String> arguments = new ArrayList<>();

  /** Creates the command; picocli instantiates it. */
  public LedgerCommand() {}

  @Override
  public Integer call() throws Exception {
    run(arguments.toArray(new String[0]));
    return 0;
  }

  private static void run(String[] args) throws Exception {
    Path work = args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("ledger-bench");
    long big = args.length > 1 ? Long.parseLong(args[1]) : 10_000_000L;
    boolean small = args.length > 2 && args[2].equals("small-only");
    if (args.length > 2 && args[2].equals("hot-only")) {
      shaBound();
      appendHot(work.resolve("append-hot"), 100, 1_000_000, 1000);
      return;
    }
    if (args.length > 2 && args[2].equals("append-verify")) {
      shaBound();
      append(work.resolve("append-1"), 1, 300_000);
      append(work.resolve("append-100"), 100, 1_000_000);
      appendHot(work.resolve("append-hot"), 100, 1_000_000, 1000);
      verifyIntegrity(work.resolve("append-100"));
      return;
    }
    if (args.length > 2 && args[2].equals("append-matrix")) {
      appendMatrix(work, args.length > 3 ? Integer.parseInt(args[3]) : 1);
      return;
    }
    if (args.length > 5 && args[2].equals("append-one")) {
      shaBound();
      appendWorkload(
          work.resolve("append-one"),
          Integer.parseInt(args[3]),
          Long.parseLong(args[4]),
          Long.parseLong(args[5]));
      return;
    }
    if (args.length > 2 && args[2].equals("append-ab")) {
      String[] configs = args[3].split(",");
      for (int round = 0; round < Integer.parseInt(args[4]); round++) {
        for (String config : configs) {
          System.out.println(HASH_THREAD + "=" + config);
          shaBound();
          Path dir = work.resolve("ab");
          appendWorkload(
              dir,
              100,
              Long.parseLong(args[5]),
              Long.parseLong(args[6]),
              EngineOptions.builder()
                  .durability(Durability.NO_SYNC)
                  .set(HASH_THREAD, config)
                  .build());
          SystemProbe.deleteTree(dir);
        }
      }
      return;
    }
    if (args.length > 2 && args[2].equals("scan-verify")) {
      scanVerify(
          work,
          args.length > 3 ? Integer.parseInt(args[3]) : 3,
          args.length > 4 ? Integer.parseInt(args[4]) : 1_000_000,
          args.length > 5 ? Integer.parseInt(args[5]) : 2000);
      return;
    }
    if (args.length > 2 && args[2].equals("verify-bound")) {
      verifyBound(
          work,
          args.length > 3 ? Integer.parseInt(args[3]) : 5,
          args.length > 4 ? Integer.parseInt(args[4]) : 1_000_000);
      return;
    }
    if (args.length > 2 && args[2].equals("reads")) {
      reads(work.resolve("reads"), 200_000);
      SystemProbe.deleteTree(work.resolve("reads"));
      return;
    }
    if (args.length > 2 && args[2].equals("verify-only")) {
      shaBound();
      verifyIntegrity(work.resolve("append-100"));
      return;
    }
    if (args.length > 2 && args[2].equals("wa-only")) {
      amplificationRows(work);
      return;
    }
    if (args.length > 2 && args[2].equals("verify-sizes")) {
      for (int valueBytes : new int[] {100, 1024, 4096}) {
        verifyAtSize(work.resolve("verify-" + valueBytes), valueBytes, 150_000_000L);
      }
      return;
    }
    if (args.length > 2 && args[2].equals("big-only")) {
      bigLedger(work.resolve("big"), big);
      return;
    }
    if (args.length > 2 && args[2].equals("open-crash")) {
      openAfterCrash(work.resolve("big"), work.resolve("crash-image"), 500_000);
      return;
    }
    if (args.length > 2 && args[2].equals("open-only")) {
      openAndMeasureHeap(work.resolve("big"), big);
      return;
    }
    System.out.println(
        "ledger bench: JDK "
            + System.getProperty("java.version")
            + ", "
            + Runtime.getRuntime().availableProcessors()
            + " cpus, work dir "
            + work);
    shaBound();
    append(work.resolve("append-1"), 1, 300_000);
    append(work.resolve("append-100"), 100, 1_000_000);
    verifyIntegrity(work.resolve("append-100"));
    amplificationRows(work);
    groupCommit(work.resolve("group"), 16, 100);
    if (!small) {
      bigLedger(work.resolve("big"), big);
    }
  }
}
