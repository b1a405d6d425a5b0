package dev.strata.bench.ledger;

import static dev.strata.bench.ledger.HashBound.*;
import static dev.strata.bench.ledger.LedgerMeasure.*;

import dev.strata.ledger.LedgerEngine;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.SplittableRandom;

/** {@code verifyIntegrity()} rates against the SHA-256 bound for the same entries. */
final class VerifyWorkloads {
  private VerifyWorkloads() {}

  /**
   * Wall-clock rate of {@code verifyIntegrity()} (it runs on two threads), the process CPU time it
   * took, and the bound the sequential chain pass sets: the chain link hash alone, one core.
   */
  static void verifyIntegrity(Path dir) {
    try (LedgerEngine e = LedgerEngine.open(dir, noSync())) {
      long bytes = e.stats().get("bytes").longValue();
      long entries = e.digest().size();
      e.verifyIntegrity();
      print(
          "verify bound: chain link alone over " + bytes / 1_000_000 + " MB",
          chainEntriesPerSecond * bytes / entries / 1e6,
          "MB of log per CPU-s (" + bytes / entries + " B of log per entry)");
      measureVerify(e, bytes, "verifyIntegrity over " + bytes / 1_000_000 + " MB:");
    }
  }

  /**
   * {@code verifyIntegrity()} over a ledger of about {@code logBytes} bytes of entries with {@code
   * valueBytes}-byte values (100 puts per transaction, unique keys), against the SHA-256 bound for
   * the same entries measured in the same run: per entry the chain link, the Merkle leaf and one
   * interior node (a Merkle tree of n leaves has n - 1 of them), one thread, one reused digest.
   */
  static void verifyAtSize(Path dir, int valueBytes, long logBytes) {
    byte[] value = new byte[valueBytes];
    new SplittableRandom(3).nextBytes(value);
    long entries = logBytes / (KEY + valueBytes + 16);
    try (LedgerEngine e = LedgerEngine.open(dir, noSync())) {
      write(e, 0, entries, 100, value);
    }
    double[] bound = hashCost(KEY, valueBytes);
    try (LedgerEngine e = LedgerEngine.open(dir, noSync())) {
      long bytes = e.stats().get("bytes").longValue();
      double perEntry = bytes / (double) entries;
      String label = String.format("verify %5d B values, %d MB:", valueBytes, bytes / 1_000_000);
      e.verifyIntegrity();
      print(
          label + " sha256 bound",
          perEntry / bound[0] / 1e6,
          String.format(
              "MB of log per CPU-s (chain + leaf + node, one core; chain alone %.0f MB/CPU-s;"
                  + " %.0f B of log per entry)",
              perEntry / bound[1] / 1e6, perEntry));
      measureVerify(e, bytes, label);
    }
  }

  /**
   * Three timed {@code verifyIntegrity()} calls: wall rate, process CPU, CPU per pass and the rate
   * two idle cores would reach with that CPU.
   */
  static void measureVerify(LedgerEngine e, long bytes, String label) {
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    for (int run = 0; run < 3; run++) {
      PassCpu passes = new PassCpu();
      passes.start();
      long t0 = System.nanoTime();
      long p0 = os.getProcessCpuTime();
      long c0 = cpu();
      e.verifyIntegrity();
      double chainCpu = (cpu() - c0) / 1e9;
      double processCpu = (os.getProcessCpuTime() - p0) / 1e9;
      double seconds = (System.nanoTime() - t0) / 1e9;
      double[] side = passes.finish();
      // On two idle cores the three passes finish no sooner than the busiest thread, and no
      // sooner than half of their summed CPU time.
      double busiest = Math.max(chainCpu, Math.max(side[0], side[1]));
      double twoCores = Math.max(busiest, (chainCpu + side[0] + side[1]) / 2);
      print(
          label + " wall",
          bytes / seconds / 1e6,
          String.format(
              "MB/s (%.2f s wall; process CPU %.2f s; CPU per pass: chain %.2f, Merkle %.2f,"
                  + " index %.2f s; two idle cores: %.0f MB/s)",
              seconds, processCpu, chainCpu, side[0], side[1], bytes / twoCores / 1e6));
    }
  }

  /**
   * Samples the CPU time of the verify passes' threads every 2 ms while they run (they end with the
   * call, so a final reading is impossible; at most one sampling interval is lost). The threads are
   * found by enumerating the thread groups, not with {@code Thread.getAllStackTraces()}: that stops
   * every thread at a safepoint and walks its stack, about 0.2 ms per call here, which would take
   * about 8 % of the wall time of the verify it measures.
   */
  static final class PassCpu extends Thread {
    private final double[] seconds = new double[2];
    private final ThreadGroup root;
    private Thread[] threads = new Thread[64];
    private volatile boolean done;

    PassCpu() {
      setDaemon(true);
      ThreadGroup g = Thread.currentThread().getThreadGroup();
      while (g.getParent() != null) {
        g = g.getParent();
      }
      root = g;
    }

    @Override
    public void run() {
      while (!done) {
        int n;
        while ((n = root.enumerate(threads, true)) == threads.length) {
          threads = new Thread[2 * threads.length];
        }
        for (int i = 0; i < n; i++) {
          Thread t = threads[i];
          int slot =
              t.getName().equals("ledger-verify-merkle")
                  ? 0
                  : t.getName().equals("ledger-verify-index") ? 1 : -1;
          long nanos = slot < 0 ? -1 : THREADS.getThreadCpuTime(t.getId());
          if (nanos > 0) {
            seconds[slot] = Math.max(seconds[slot], nanos / 1e9);
          }
        }
        try {
          Thread.sleep(2);
        } catch (InterruptedException x) {
          return;
        }
      }
    }

    /** Stops sampling; returns {Merkle pass, index pass} CPU seconds. */
    double[] finish() {
      done = true;
      try {
        join();
      } catch (InterruptedException x) {
        Thread.currentThread().interrupt();
      }
      return seconds;
    }
  }
}
