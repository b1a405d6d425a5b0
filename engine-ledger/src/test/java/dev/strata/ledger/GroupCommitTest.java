package dev.strata.ledger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.strata.api.EngineOptions;
import dev.strata.api.WriteAmplificationMeter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Group commit: commits share syncs, and nothing is visible before the sync that covers it. */
class GroupCommitTest {
  @TempDir Path dir;

  private static Visible state(long size) {
    return new Visible(size, new byte[32], size * 100, size * 100 + 50);
  }

  @Test
  void commitsArrivingDuringASync_shareTheNext_andStayInvisibleUntilItEnds() throws Exception {
    CommitPipeline pipeline = new CommitPipeline(state(0), true, new WriteAmplificationMeter());
    CountDownLatch inFirstSync = new CountDownLatch(1);
    CountDownLatch releaseFirstSync = new CountDownLatch(1);
    AtomicInteger laterSyncs = new AtomicInteger();
    pipeline.appended(
        state(1),
        () -> {
          inFirstSync.countDown();
          try {
            releaseFirstSync.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
    List<Thread> committers = new ArrayList<>();
    committers.add(start(() -> await(pipeline, state(1))));
    inFirstSync.await();
    for (int i = 2; i <= 16; i++) {
      pipeline.appended(state(i), laterSyncs::incrementAndGet);
      Visible mine = state(i);
      committers.add(start(() -> await(pipeline, mine)));
    }
    assertEquals(0, pipeline.visible().size(), "nothing is visible while its sync runs");
    releaseFirstSync.countDown();
    for (Thread t : committers) {
      t.join();
    }
    assertEquals(16, pipeline.visible().size());
    assertEquals(1, laterSyncs.get(), "the 15 commits that waited share one sync");
    assertArrayEquals(new long[] {16, 2}, pipeline.groupCommitCounts());
  }

  private static Thread start(Runnable work) {
    Thread t = new Thread(work);
    t.start();
    return t;
  }

  private static void await(CommitPipeline pipeline, Visible state) {
    try {
      pipeline.awaitDurable(state);
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void failedSync_publishesNothing_andTheEngineRefusesWrites() throws Exception {
    CommitPipeline pipeline = new CommitPipeline(state(0), true, new WriteAmplificationMeter());
    pipeline.appended(
        state(1),
        () -> {
          throw new java.io.IOException("injected fsync failure");
        });
    org.junit.jupiter.api.Assertions.assertThrows(
        java.io.IOException.class, () -> pipeline.awaitDurable(state(1)));
    pipeline.appended(state(2), () -> {});
    org.junit.jupiter.api.Assertions.assertThrows(
        java.io.IOException.class, () -> pipeline.awaitDurable(state(2)));
    assertEquals(0, pipeline.visible().size());
  }

  @Test
  void sixteenThreads_underSync_allCommitsLandAndVerify() throws Exception {
    try (LedgerEngine e = LedgerEngine.open(dir, EngineOptions.defaults())) {
      List<Thread> threads = new ArrayList<>();
      for (int t = 0; t < 16; t++) {
        int id = t;
        threads.add(
            start(
                () -> {
                  for (int i = 0; i < 20; i++) {
                    e.put(("t" + id + "-" + i).getBytes(), ("v" + i).getBytes());
                  }
                }));
      }
      for (Thread t : threads) {
        t.join();
      }
      assertEquals(320L, e.digest().size());
      e.verifyIntegrity();
      System.out.println(
          "16 threads x 20 SYNC commits: "
              + e.stats().get("groupCommits")
              + " commits over "
              + e.stats().get("groupSyncs")
              + " group syncs");
    }
    try (LedgerEngine e = LedgerEngine.open(dir, EngineOptions.defaults())) {
      assertArrayEquals("v19".getBytes(), e.get("t15-19".getBytes()));
      assertNull(e.get("t16-0".getBytes()));
    }
  }
}
