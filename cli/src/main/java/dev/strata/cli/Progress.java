package dev.strata.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * A progress bar on standard error for one phase of a long command, drawn only when standard error
 * is a terminal (or {@code --progress=always}), so pipes and logs stay clean and standard output
 * carries only the command's result. A bar with an unknown total shows the count and the elapsed
 * time. Not thread-safe: the command's thread steps it; the library redraws on its own timer.
 */
final class Progress implements AutoCloseable {
  /** When to draw progress bars. */
  enum Mode {
    /** When standard error is a terminal. */
    AUTO,
    /** Always, on standard error. */
    ALWAYS,
    /** Never. */
    NEVER
  }

  private final ProgressBar bar;

  private Progress(ProgressBar bar) {
    this.bar = bar;
  }

  /**
   * Starts a bar.
   *
   * @param mode when to draw
   * @param err where to draw
   * @param task the phase's name
   * @param total the amount of work, or -1 when unknown
   * @param unit the unit's name, for example {@code " entries"}
   */
  static Progress start(Mode mode, PrintStream err, String task, long total, String unit) {
    boolean draw = mode == Mode.ALWAYS || mode == Mode.AUTO && stderrIsTerminal();
    if (!draw) {
      return new Progress(null);
    }
    ProgressBar bar =
        new ProgressBarBuilder()
            .setTaskName(task)
            .setInitialMax(total)
            .setUnit(unit, 1)
            .setStyle(ProgressBarStyle.ASCII)
            .setUpdateIntervalMillis(250)
            .setConsumer(new ConsoleProgressBarConsumer(err, 100))
            .showSpeed()
            .build();
    return new Progress(bar);
  }

  /**
   * Starts a line that shows the elapsed time of work that reports no progress of its own, and ends
   * with the time it took.
   *
   * @param mode when to draw
   * @param err where to draw
   * @param task the phase's name
   * @param what what runs, for example {@code "verifyIntegrity()"}
   */
  static AutoCloseable elapsed(Mode mode, PrintStream err, String task, String what) {
    boolean draw = mode == Mode.ALWAYS || mode == Mode.AUTO && stderrIsTerminal();
    if (!draw) {
      return () -> {};
    }
    long start = System.nanoTime();
    java.util.function.LongFunction<String> line =
        now -> {
          long seconds = (now - start) / 1_000_000_000L;
          return String.format(
              "%s %s: %d:%02d:%02d elapsed",
              task, what, seconds / 3600, seconds / 60 % 60, seconds % 60);
        };
    java.util.concurrent.ScheduledExecutorService timer =
        java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "strata-progress-" + task);
              t.setDaemon(true);
              return t;
            });
    timer.scheduleAtFixedRate(
        () -> {
          err.print("\r" + line.apply(System.nanoTime()));
          err.flush();
        },
        0,
        250,
        java.util.concurrent.TimeUnit.MILLISECONDS);
    return () -> {
      timer.shutdownNow();
      try {
        timer.awaitTermination(1, java.util.concurrent.TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      err.println("\r" + line.apply(System.nanoTime()) + ", done");
      err.flush();
    };
  }

  /** Records {@code n} more units of work. */
  void step(long n) {
    if (bar != null) {
      bar.stepBy(n);
    }
  }

  /** Sets the total once it is known. */
  void total(long total) {
    if (bar != null) {
      bar.maxHint(total);
    }
  }

  @Override
  public void close() {
    if (bar != null) {
      bar.close();
    }
  }

  /**
   * True when standard error is a terminal. Java has no direct test; on Linux the descriptor's link
   * names a tty device, elsewhere {@link System#console()} stands in (it is null when either
   * standard stream is redirected, so a pipe hides the bar there).
   */
  static boolean stderrIsTerminal() {
    Path fd = Path.of("/proc/self/fd/2");
    if (Files.exists(fd)) {
      try {
        String target = Files.readSymbolicLink(fd).toString();
        return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
      } catch (IOException | UnsupportedOperationException e) {
        return false;
      }
    }
    return System.console() != null;
  }
}
