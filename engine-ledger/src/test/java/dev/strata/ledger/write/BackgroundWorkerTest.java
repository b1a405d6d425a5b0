package dev.strata.ledger.write;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The writer's helper thread: every posted task runs exactly once, before await returns. */
@Timeout(60)
class BackgroundWorkerTest {
  private static final long SECONDS = 10;

  @Test
  void everyTaskRunsOnceBeforeAwaitReturns_whicheverThreadRunsIt() {
    try (BackgroundWorker overlap = new BackgroundWorker("overlap-test", true)) {
      AtomicInteger runs = new AtomicInteger();
      int[] seen = new int[10_000];
      for (int i = 0; i < seen.length; i++) {
        int task = i;
        overlap.post(() -> seen[task] = runs.incrementAndGet());
        // Vary how long the helper has to claim the task before the caller wants it back.
        for (int spin = 0; spin < (i % 7) * 200; spin++) {
          Thread.onSpinWait();
        }
        assertNull(overlap.await());
        assertNotEquals(0, seen[task], "task " + task + " had not run when await returned");
      }
      assertEquals(seen.length, runs.get());
    }
  }

  @Test
  void aParkedHelperWakesForTheNextTask() throws Exception {
    try (BackgroundWorker overlap = new BackgroundWorker("overlap-test-park", true)) {
      Thread helper = startAndPark(overlap, "overlap-test-park");
      assertSame(helper, runOnHelper(overlap), "the parked helper was not woken");
    }
  }

  @Test
  void withoutAHelper_awaitRunsEveryTaskOnTheCallingThread() {
    try (BackgroundWorker overlap = new BackgroundWorker("overlap-test-none", false)) {
      AtomicReference<Thread> ranOn = new AtomicReference<>();
      for (int i = 0; i < 100; i++) {
        ranOn.set(null);
        overlap.post(() -> ranOn.set(Thread.currentThread()));
        assertNull(overlap.await());
        assertSame(Thread.currentThread(), ranOn.get(), "task " + i);
      }
    }
  }

  @Test
  void aFailureOnTheHelperReachesAwait_andTheHelperKeepsWorking() throws Exception {
    try (BackgroundWorker overlap = new BackgroundWorker("overlap-test-fail", true)) {
      IllegalStateException boom = new IllegalStateException("boom");
      CountDownLatch started = new CountDownLatch(1);
      overlap.post(
          () -> {
            started.countDown();
            throw boom;
          });
      assertTrue(started.await(SECONDS, TimeUnit.SECONDS), "the helper never took the task");
      assertSame(boom, overlap.await());
      assertEquals("overlap-test-fail", runOnHelper(overlap).getName());
    }
  }

  @Test
  void aFailureOfATaskRunByTheCaller_isReturnedToo() {
    try (BackgroundWorker overlap = new BackgroundWorker("overlap-test-none", false)) {
      OutOfMemoryError oom = new OutOfMemoryError("test");
      overlap.post(
          () -> {
            throw oom;
          });
      assertSame(oom, overlap.await());
    }
  }

  @Test
  void postingTwiceWithoutAwait_isRefused_andAwaitWithoutPost_returns() {
    try (BackgroundWorker overlap = new BackgroundWorker("overlap-test", true)) {
      assertNull(overlap.await());
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
      assertNull(overlap.await());
    }
  }

  @Test
  void closeStopsAParkedHelper() throws Exception {
    BackgroundWorker overlap = new BackgroundWorker("overlap-test-close", true);
    Thread helper = startAndPark(overlap, "overlap-test-close");
    overlap.close();
    helper.join(TimeUnit.SECONDS.toMillis(SECONDS));
    assertFalse(helper.isAlive(), "the helper thread outlived close()");
  }

  /**
   * Posts a task, waits until the helper (not this thread, which waits on a latch instead of taking
   * the task back) has run it, and returns the thread that did.
   */
  private static Thread runOnHelper(BackgroundWorker overlap) throws InterruptedException {
    AtomicReference<Thread> ranOn = new AtomicReference<>();
    CountDownLatch ran = new CountDownLatch(1);
    overlap.post(
        () -> {
          ranOn.set(Thread.currentThread());
          ran.countDown();
        });
    assertTrue(ran.await(SECONDS, TimeUnit.SECONDS), "the helper never ran the task");
    assertNull(overlap.await());
    return ranOn.get();
  }

  /** Starts the helper with an empty task and returns it once it has parked, idle. */
  private static Thread startAndPark(BackgroundWorker overlap, String name)
      throws InterruptedException {
    overlap.post(() -> {});
    assertNull(overlap.await());
    Thread helper =
        Thread.getAllStackTraces().keySet().stream()
            .filter(t -> t.getName().equals(name))
            .findFirst()
            .orElseThrow();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(SECONDS);
    while (helper.getState() != Thread.State.WAITING && System.nanoTime() < deadline) {
      Thread.sleep(1);
    }
    assertEquals(Thread.State.WAITING, helper.getState(), "the helper never parked");
    return helper;
  }
}
