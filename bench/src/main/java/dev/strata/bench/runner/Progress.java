package dev.strata.bench.runner;

import java.util.concurrent.atomic.LongAdder;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * A progress bar for one phase, drawn on the terminal while the phase runs. Without a terminal (CI,
 * redirected output) nothing is drawn, so logs stay readable. Thread-safe: workers call {@link
 * #step(long)}, a timer redraws.
 */
final class Progress implements AutoCloseable {
  private static volatile boolean enabled = System.console() != null;

  private final LongAdder done = new LongAdder();
  private final ProgressBar bar;
  private final java.util.Timer timer;
  private final Runnable redraw;

  private Progress(String task, long total, boolean timed) {
    if (enabled) {
      long started = System.nanoTime();
      bar =
          new ProgressBarBuilder()
              .setTaskName(task)
              .setInitialMax(total)
              .setUnit(timed ? " ms" : "", 1)
              .setStyle(ProgressBarStyle.ASCII)
              .setUpdateIntervalMillis(500)
              .setMaxRenderedLength(100)
              .build();
      redraw =
          () -> {
            long now = timed ? (System.nanoTime() - started) / 1_000_000 : done.sum();
            bar.stepTo(Math.min(total, now));
          };
      timer = new java.util.Timer("progress-" + task, true);
      timer.scheduleAtFixedRate(
          new java.util.TimerTask() {
            @Override
            public void run() {
              redraw.run();
            }
          },
          250,
          250);
    } else {
      bar = null;
      timer = null;
      redraw = null;
    }
  }

  /** Forces progress bars on ({@code true}) or off ({@code false}). */
  static void setEnabled(boolean on) {
    enabled = on;
  }

  /** A bar counting operations up to {@code total}. */
  static Progress start(String task, long total) {
    return new Progress(task, total, false);
  }

  /** A bar counting elapsed time up to {@code millis}, for phases capped by time. */
  static Progress timed(String task, long millis) {
    return new Progress(task, millis, true);
  }

  void step(long n) {
    done.add(n);
  }

  @Override
  public void close() {
    if (bar != null) {
      timer.cancel();
      redraw.run();
      bar.close();
    }
  }
}
