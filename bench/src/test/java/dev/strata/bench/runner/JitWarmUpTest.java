package dev.strata.bench.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class JitWarmUpTest {
  /** A pass of about 20 ms whose compiler time is {@code compiling[pass]} milliseconds. */
  private static int passes(int maxPasses, long... compiling) {
    AtomicLong compiled = new AtomicLong();
    AtomicInteger ran = new AtomicInteger();
    int reported =
        new JitWarmUp(compiled::get)
            .run(
                maxPasses,
                () -> {
                  sleep(20);
                  compiled.addAndGet(
                      compiling[Math.min(ran.getAndIncrement(), compiling.length - 1)]);
                });
    assertEquals(ran.get(), reported, "the passes reported are the passes run");
    return reported;
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  @Test
  void passesRepeat_untilOneSpendsAtMostTwoPercentCompiling() {
    assertEquals(3, passes(8, 500, 40, 0, 0));
  }

  @Test
  void aFirstPassWithoutCompiling_endsTheWarmUp() {
    assertEquals(1, passes(8, 0));
  }

  @Test
  void passesStopAtTheCap_whileTheCompilerIsStillBusy() {
    assertEquals(4, passes(4, 1_000));
  }

  @Test
  void aJvmThatDoesNotReportCompilerTime_runsEveryPassUpToTheCap() {
    AtomicInteger ran = new AtomicInteger();
    assertEquals(5, new JitWarmUp(() -> -1).run(5, ran::incrementAndGet));
    assertEquals(5, ran.get());
  }

  @Test
  void aCapBelowOne_isRefused() {
    assertThrows(IllegalArgumentException.class, () -> new JitWarmUp(() -> 0).run(0, () -> {}));
  }
}
