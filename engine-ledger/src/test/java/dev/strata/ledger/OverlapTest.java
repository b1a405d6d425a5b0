package dev.strata.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The writer's helper thread: every posted task runs exactly once, before join returns. */
class OverlapTest {
  @Test
  void everyTaskRunsOnceBeforeJoinReturns_whicheverThreadRunsIt() {
    try (Overlap overlap = new Overlap("overlap-test", true)) {
      AtomicInteger runs = new AtomicInteger();
      int[] seen = new int[10_000];
      for (int i = 0; i < seen.length; i++) {
        int task = i;
        overlap.post(() -> seen[task] = runs.incrementAndGet());
        if (i % 3 == 0) {
          Thread.onSpinWait();
        }
        overlap.join();
        assertNotEquals(0, seen[task], "task " + task + " had not run when join returned");
      }
      assertEquals(seen.length, runs.get());
    }
  }

  @Test
  void theHelperRunsATaskWhileTheCallerWorks() throws Exception {
    try (Overlap overlap = new Overlap("overlap-test", true)) {
      AtomicReference<Thread> ranOn = new AtomicReference<>();
      CountDownLatch started = new CountDownLatch(1);
      overlap.post(
          () -> {
            ranOn.set(Thread.currentThread());
            started.countDown();
          });
      assertTrue(started.await(10, TimeUnit.SECONDS), "the helper never took the task");
      overlap.join();
      assertEquals("overlap-test", ranOn.get().getName());
    }
  }

  @Test
  void withoutAHelper_joinRunsEveryTaskOnTheCallingThread() {
    try (Overlap overlap = new Overlap("overlap-test-none", false)) {
      AtomicReference<Thread> ranOn = new AtomicReference<>();
      for (int i = 0; i < 100; i++) {
        ranOn.set(null);
        overlap.post(() -> ranOn.set(Thread.currentThread()));
        overlap.join();
        assertSame(Thread.currentThread(), ranOn.get(), "task " + i);
      }
    }
  }

  @Test
  void aTaskFailureReachesJoin_andTheHelperKeepsWorking() {
    try (Overlap overlap = new Overlap("overlap-test", true)) {
      IllegalStateException boom = new IllegalStateException("boom");
      overlap.post(
          () -> {
            throw boom;
          });
      assertSame(boom, assertThrows(IllegalStateException.class, overlap::join));
      AtomicInteger runs = new AtomicInteger();
      overlap.post(runs::incrementAndGet);
      overlap.join();
      assertEquals(1, runs.get());
    }
  }

  @Test
  void postingTwiceWithoutJoin_isRefused_andJoinWithoutPost_returns() {
    try (Overlap overlap = new Overlap("overlap-test", true)) {
      overlap.join();
      CountDownLatch release = new CountDownLatch(1);
      overlap.post(
          () -> {
            try {
              release.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          });
      assertThrows(IllegalStateException.class, () -> overlap.post(() -> {}));
      release.countDown();
      overlap.join();
    }
  }

  @Test
  void closeStopsTheHelper() throws Exception {
    Overlap overlap = new Overlap("overlap-test-close", true);
    overlap.post(() -> {});
    overlap.join();
    overlap.close();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (helperAlive() && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertFalse(helperAlive(), "the helper thread outlived close()");
  }

  private static boolean helperAlive() {
    return Thread.getAllStackTraces().keySet().stream()
        .anyMatch(t -> t.getName().equals("overlap-test-close") && t.isAlive());
  }
}
