package dev.strata.freelist;

import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Seeds for randomized tests: {@code -Dstrata.test.seed=N} replays one run; otherwise a fresh seed
 * is drawn. A failure is rethrown with the seed and the replay flag in its message.
 */
final class Seeds {
  static final String PROPERTY = "strata.test.seed";

  private Seeds() {}

  /** Returns the fixed seed if one is configured, else a fresh one. */
  static long base() {
    String configured = System.getProperty(PROPERTY, "").trim();
    return configured.isEmpty() ? new SplittableRandom().nextLong() : Long.parseLong(configured);
  }

  /** Whether the seed was fixed on the command line (then run only that one sequence). */
  static boolean fixed() {
    return !System.getProperty(PROPERTY, "").trim().isEmpty();
  }

  /** Runs {@code body} with a random source seeded by {@code seed}, naming the seed on failure. */
  static void run(long seed, Consumer<SplittableRandom> body) {
    try {
      body.accept(new SplittableRandom(seed));
    } catch (AssertionError | RuntimeException e) {
      throw new AssertionError(
          "failed with seed " + seed + "; replay with -D" + PROPERTY + "=" + seed + ": " + e, e);
    }
  }
}
