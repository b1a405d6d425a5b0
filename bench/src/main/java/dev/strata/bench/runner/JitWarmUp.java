package dev.strata.bench.runner;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Repeats an untimed warm-up pass until the JIT compiler has settled: a pass during which the JVM
 * spent at most {@link #SETTLED_FRACTION} of the pass's wall time compiling ends the warm-up, as
 * does reaching the cap of passes. On {@code compare}'s 200,000-key run (two cores) the btree
 * engine's compiler time per pass falls from 4.4 s to 1.6 s, 0.6 s and then under 0.1 s, its load
 * rate rising from 279 to 456, 532 and 645 commits/s: after a single pass C2 is still compiling the
 * load path through the measured load, on the same two cores. Used by {@code compare}'s forked
 * children and by {@code raft}. Not thread-safe.
 */
public final class JitWarmUp {
  /** Compiler time per wall time at or below which a pass counts as settled. */
  public static final double SETTLED_FRACTION = 0.02;

  private final LongSupplier compilerMillis;

  /**
   * @param compilerMillis the JVM's accumulated compiler time in milliseconds, or a negative value
   *     when the JVM does not report it (then every pass up to the cap runs)
   */
  JitWarmUp(LongSupplier compilerMillis) {
    this.compilerMillis = compilerMillis;
  }

  /**
   * Returns a warm-up that reads this JVM's {@link CompilationMXBean}.
   *
   * @return the warm-up
   */
  public static JitWarmUp ofThisJvm() {
    CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
    if (jit == null || !jit.isCompilationTimeMonitoringSupported()) {
      return new JitWarmUp(() -> -1);
    }
    return new JitWarmUp(jit::getTotalCompilationTime);
  }

  /**
   * Runs {@code pass} at least once and at most {@code maxPasses} times, stopping after the first
   * settled pass; prints one line per pass.
   *
   * @param maxPasses the cap, at least 1
   * @param pass one untimed run of the workload; an exception it throws ends the warm-up
   * @return the passes run
   * @throws IllegalArgumentException if {@code maxPasses} is below 1
   */
  public int run(int maxPasses, Runnable pass) {
    if (maxPasses < 1) {
      throw new IllegalArgumentException("maxPasses must be at least 1: " + maxPasses);
    }
    for (int n = 1; ; n++) {
      long compiledBefore = compilerMillis.getAsLong();
      long start = System.nanoTime();
      pass.run();
      double wallMillis = (System.nanoTime() - start) / 1e6;
      long compiledAfter = compilerMillis.getAsLong();
      long compiling =
          compiledBefore < 0 || compiledAfter < 0 ? -1 : compiledAfter - compiledBefore;
      boolean settled = compiling >= 0 && compiling <= SETTLED_FRACTION * wallMillis;
      System.out.printf(
          Locale.ROOT,
          "warm-up pass %d: %.1f s, JIT compiling %s (results discarded)%n",
          n,
          wallMillis / 1e3,
          compiling < 0 ? "not reported" : compiling + " ms");
      if (settled || n >= maxPasses) {
        return n;
      }
    }
  }
}
