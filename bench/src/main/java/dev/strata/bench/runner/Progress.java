package dev.strata.bench.runner;

import java.util.concurrent.atomic.LongAdder;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * A progress bar for one phase, drawn on the terminal while the phase runs. Without a terminal
 * (CI, redirected output) nothing is drawn, so logs stay readable. Thread-safe: workers call
 * {@link #step(long)}, a timer redraws.
 */
final class Progress implements AutoCloseable {
  private static volatile boolean enabled = System.console() != null;

  private final LongAdder done = new LongAdder();
  private final ProgressBar bar;
  private final java.util.Timer timer;

  private Progress(String task, long total) {
    if (enabled) {
      bar =
          new ProgressBarBuilder()
              .setTaskName(task)
              .setInitialMax(total)
              .setStyle(ProgressBarStyle.ASCII)
              .setUpdateIntervalMillis(500)
              .setMaxRenderedLength(100)
              .build();
      timer = new java.util.Timer("progress-" + task, true);
      timer.scheduleAtFixedRate(
          new java.util.TimerTask() {
            @Override
            public void run() {
              bar.stepTo(Math.min(total, done.sum()));
            }
          },
          250,
          250);
    } else {
      bar = null;
      timer = null;
    }
  }

  /** Forces progress bars on ({@code true}) or off ({@code false}). */
  static void setEnabled(boolean on) {
    enabled = on;
  }

  static Progress start(String task, long total) {
    return new Progress(task, total);
  }

  void step(long n) {
    done.add(n);
  }

  @Override
  public void close() {
    if (bar != null) {
      timer.cancel();
      bar.stepTo(bar.getMax() > 0 ? Math.min(bar.getMax(), done.sum()) : done.sum());
      bar.close();
    }
  }
}
