package dev.strata.bench.runner;

import dev.strata.bench.btree.BTreeCommand;
import dev.strata.bench.etcd.EtcdStallCommand;
import dev.strata.bench.kafka.KafkaStreamsCommand;
import dev.strata.bench.ledger.LedgerCommand;
import dev.strata.bench.lsm.LsmCommand;
import dev.strata.bench.raft.RaftCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code strata-bench} command: {@code compare}, {@code scale}, {@code freelist-stall}, {@code
 * btree}, {@code ledger}, {@code lsm}, {@code kafka-streams}, {@code etcd-stall}, {@code raft} and
 * {@code snapshot-stall}. Exit codes: 0 success, 1 a run failed (an engine threw or lost data), 2
 * bad command line.
 */
@Command(
    name = "strata-bench",
    mixinStandardHelpOptions = true,
    version = "strata-bench 0.1.0",
    description = "Benchmarks Strata's engines against LMDB and raw RocksDB.",
    subcommands = {
      CompareCommand.class,
      ScaleCommand.class,
      FreelistStallCommand.class,
      BTreeCommand.class,
      LedgerCommand.class,
      LsmCommand.class,
      KafkaStreamsCommand.class,
      EtcdStallCommand.class,
      RaftCommand.class,
      SnapshotStallCommand.class
    })
public final class StrataBench implements Runnable {
  /** Creates the command; picocli instantiates it. */
  public StrataBench() {}

  /** Subcommand names, so the jar's main class can tell them from JMH arguments. */
  public static final java.util.Set<String> COMMANDS =
      java.util.Set.of(
          "compare",
          "scale",
          "freelist-stall",
          "btree",
          "ledger",
          "lsm",
          "kafka-streams",
          "etcd-stall",
          "raft",
          "snapshot-stall",
          "strata-bench");

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }

  /**
   * Runs the command line and returns the exit code instead of exiting, for tests.
   *
   * @param args the arguments, without the program name
   * @return the exit code
   */
  public static int execute(String... args) {
    CommandLine cli = new CommandLine(new StrataBench());
    cli.setCaseInsensitiveEnumValuesAllowed(true);
    cli.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          System.err.println("strata-bench: " + e.getMessage());
          if (!(e instanceof BenchException) || e.getCause() != null) {
            e.printStackTrace(System.err);
          }
          return 1;
        });
    return cli.execute(args);
  }

  /**
   * Entry point.
   *
   * @param args the command line
   */
  public static void main(String[] args) {
    System.exit(execute(args));
  }
}
