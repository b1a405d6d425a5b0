package dev.strata.bench.lsm;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code strata-bench lsm}: the {@code lsm} engine's own measurements, {@code overhead} (the
 * adapter against raw RocksDB, paired CPU time) and {@code write-amp} (a long random overwrite).
 * Picocli instantiates it; not for other use.
 */
@Command(
    name = "lsm",
    mixinStandardHelpOptions = true,
    description = "The lsm engine's own measurements: adapter overhead and write amplification.",
    subcommands = {OverheadCommand.class, WriteAmpCommand.class})
public final class LsmCommand implements Runnable {
  @Spec CommandSpec spec;

  /** Creates the command; picocli instantiates it. */
  public LsmCommand() {}

  /** Without a subcommand, prints the usage. */
  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }
}
