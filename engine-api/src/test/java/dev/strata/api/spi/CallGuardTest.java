package dev.strata.api.spi;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class CallGuardTest {
  @Test
  void tryEnter_afterClose_failsWithoutEntering() {
    CallGuard guard = new CallGuard();
    assertTrue(guard.tryEnter());
    guard.exit();
    assertTrue(guard.close());
    assertFalse(guard.close(), "closing twice");
    assertTrue(guard.isClosed());
    assertFalse(guard.tryEnter());
    guard.awaitIdle();
  }

  @Test
  void awaitIdle_waitsForTheCallInside() throws Exception {
    CallGuard guard = new CallGuard();
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicBoolean left = new AtomicBoolean();
    CompletableFuture<Void> call =
        CompletableFuture.runAsync(
            () -> {
              assertTrue(guard.tryEnter());
              entered.countDown();
              try {
                release.await();
                Thread.sleep(50);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              left.set(true);
              guard.exit();
            });
    assertTrue(entered.await(10, TimeUnit.SECONDS));
    guard.close();
    release.countDown();
    guard.awaitIdle();
    assertTrue(left.get(), "awaitIdle returned while a call was inside");
    call.get(10, TimeUnit.SECONDS);
  }

  @Test
  void racingCallsAndClose_noCallIsInsideAfterAwaitIdle() throws Exception {
    for (int trial = 0; trial < 200; trial++) {
      CallGuard guard = new CallGuard();
      AtomicInteger running = new AtomicInteger();
      AtomicBoolean stop = new AtomicBoolean();
      Thread caller =
          new Thread(
              () -> {
                while (!stop.get()) {
                  if (guard.tryEnter()) {
                    running.incrementAndGet();
                    Thread.onSpinWait();
                    running.decrementAndGet();
                    guard.exit();
                  }
                }
              });
      caller.start();
      Thread.sleep(trial % 3);
      guard.close();
      guard.awaitIdle();
      int insideAfterClose = running.get();
      stop.set(true);
      caller.join(10_000);
      assertTrue(insideAfterClose == 0, "trial " + trial + ": a call ran after awaitIdle");
    }
  }
}
