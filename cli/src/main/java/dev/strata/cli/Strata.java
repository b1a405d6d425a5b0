package dev.strata.cli;

import dev.strata.api.CorruptionException;
import dev.strata.api.StorageException;
import dev.strata.api.StoreLockedException;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code strata} command: {@code strata COMMAND [--engine NAME] [--write] STORE [ARGS...]}.
 *
 * <p>Exit codes: 0 the command did its work; 1 the store is damaged or failed a check (a {@link
 * CorruptionException} or {@link dev.strata.api.TamperException}, or a ledger proof that does not
 * verify); 2 the command could not run (bad usage, a missing, unknown, locked or other engine's
 * store, a write without {@code --write}). Errors are one line on standard error, never a stack
 * trace.
 *
 * <p>Not thread-safe: one instance runs one command line.
 */
@Command(
    name = "strata",
    mixinStandardHelpOptions = true,
    versionProvider = Strata.Version.class,
    description = {
      "Inspect, check, export, import, back up and compact a Strata store.",
      "The engine is detected from the store directory; --engine names it (needed only to create"
          + " a store). Commands open the store read-only unless --write is given.",
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:the command did its work",
      "1:the store is damaged or failed a check",
      "2:the command could not run (bad usage; missing, unknown, locked or other engine's store;"
          + " a write without --write; a key get does not find)",
    },
    subcommands = {
      InfoCommand.class,
      CheckCommand.class,
      GetCommand.class,
      ScanCommand.class,
      PutCommand.class,
      DeleteCommand.class,
      DeleteRangeCommand.class,
      ExportCommand.class,
      ImportCommand.class,
      BackupCommand.class,
      CompactCommand.class,
      LedgerCommand.class,
      CommandLine.HelpCommand.class,
    })
public final class Strata implements Runnable {
  /** Exit code: the command did its work. */
  static final int OK = 0;

  /** Exit code: the store is damaged or failed a check. */
  static final int FAILED_CHECK = 1;

  /** Exit code: the command could not run. */
  static final int USAGE = 2;

  final InputStream in;
  final PrintStream out;
  final PrintStream err;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  private Strata(InputStream in, PrintStream out, PrintStream err) {
    this.in = in;
    this.out = out;
    this.err = err;
  }

  /**
   * Runs the command line and exits the JVM with its exit code.
   *
   * @param args the arguments, for example {@code check data}
   */
  public static void main(String[] args) {
    PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
    PrintStream err = new PrintStream(System.err, true, StandardCharsets.UTF_8);
    int code = run(System.in, out, err, args);
    out.flush();
    System.exit(code);
  }

  /**
   * Runs one command line in this JVM without exiting it.
   *
   * @param in standard input (read by {@code import})
   * @param out standard output; flushed before returning
   * @param err standard error, for errors and progress bars
   * @param args the arguments
   * @return the exit code: 0, 1 or 2 as the class documentation describes
   */
  static int run(InputStream in, PrintStream out, PrintStream err, String... args) {
    CommandLine cmd = new CommandLine(new Strata(in, out, err));
    cmd.setOut(new PrintWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), true));
    cmd.setErr(new PrintWriter(new OutputStreamWriter(err, StandardCharsets.UTF_8), true));
    cmd.setCaseInsensitiveEnumValuesAllowed(true);
    cmd.setExecutionExceptionHandler((e, line, parsed) -> report(e, err));
    try {
      return cmd.execute(args);
    } finally {
      out.flush();
      err.flush();
    }
  }

  /** Prints the one-line error for a failed command and returns its exit code. */
  static int report(Exception e, PrintStream err) {
    int code;
    String message;
    if (e instanceof CheckFailedException) {
      code = FAILED_CHECK;
      message = e.getMessage();
    } else if (e instanceof CorruptionException) {
      code = FAILED_CHECK;
      message = "damaged store: " + e.getMessage();
    } else if (e instanceof StoreLockedException) {
      code = USAGE;
      message = LockHolder.describe(e.getMessage());
    } else if (e instanceof UsageException
        || e instanceof StorageException
        || e instanceof IllegalArgumentException
        || e instanceof UnsupportedOperationException) {
      code = USAGE;
      message = e.getMessage();
    } else {
      code = USAGE;
      message = e.getClass().getSimpleName() + ": " + e.getMessage();
    }
    err.println("strata: " + oneLine(message));
    err.flush();
    return code;
  }

  private static String oneLine(String message) {
    return message == null ? "(no message)" : message.replace('\n', ' ').replace('\r', ' ');
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "name a command");
  }

  /** Reports the version from the jar manifest, or "development" when run from classes. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Strata.class.getPackage().getImplementationVersion();
      return new String[] {"strata " + (v == null ? "(development build)" : v)};
    }
  }
}
