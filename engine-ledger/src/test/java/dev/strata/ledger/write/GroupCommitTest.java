package dev.strata.ledger.write;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.strata.api.EngineOptions;
import dev.strata.api.WriteAmplificationMeter;
import dev.strata.ledger.LedgerEngine;
import dev.strata.ledger.log.CommittedState;
import dev.strata.tck.reliability.FaultyFileIO;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Group commit: commits share syncs, and nothing is visible before the sync that covers it. */
class GroupCommitTest {
  @TempDir Path dir;

  private static CommittedState state(long size) {
    return new CommittedState(size, new byte[32], size * 100, size * 100 + 50);
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
      CommittedState mine = state(i);
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

  private static void await(CommitPipeline pipeline, CommittedState state) {
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

  /**
   * Regression: a write transaction reads the newest appended state, whose sync may still run; if
   * its commit returned at once when it changed nothing, a caller could act on a value that a power
   * loss or a failed sync would take back.
   */
  @Test
  void writeTxnThatChangesNothing_returnsOnlyOnceWhatItReadIsDurable() throws Exception {
    CountDownLatch inSync = new CountDownLatch(1);
    CountDownLatch releaseSync = new CountDownLatch(1);
    AtomicBoolean hold = new AtomicBoolean();
    FaultyFileIO held = new FaultyFileIO();
    held.onForce(
        file -> {
          if (hold.get() && file.getFileName().toString().endsWith(".seg")) {
            inSync.countDown();
            try {
              releaseSync.await();
            } catch (InterruptedException e) {
              throw new IOException(e);
            }
          }
        });
    byte[] key = "k".getBytes(StandardCharsets.UTF_8);
    byte[] value = "v".getBytes(StandardCharsets.UTF_8);
    try (LedgerEngine e = LedgerEngine.open(dir, EngineOptions.builder().fileIO(held).build())) {
      hold.set(true);
      Thread writer = start(() -> e.put(key, value));
      AtomicReference<byte[]> read = new AtomicReference<>();
      CountDownLatch readerDone = new CountDownLatch(1);
      try {
        inSync.await();
        start(
            () -> {
              read.set(e.update(w -> w.get(key)));
              readerDone.countDown();
            });
        assertFalse(
            readerDone.await(300, TimeUnit.MILLISECONDS),
            "a write transaction that read a commit returned before that commit's sync ended");
        assertNull(e.get(key), "readers do not see the commit yet");
      } finally {
        hold.set(false);
        releaseSync.countDown();
      }
      writer.join();
      readerDone.await();
      assertArrayEquals(value, read.get());
    }
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
