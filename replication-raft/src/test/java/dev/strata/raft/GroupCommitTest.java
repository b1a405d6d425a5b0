package dev.strata.raft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrowsExactly;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.EngineOptions;
import dev.strata.api.Limits;
import dev.strata.api.WriteTxn;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Group commit: transactions committed from many threads share log entries, and each stays atomic,
 * serialized after the transactions queued before it, and failing alone when it is invalid.
 */
class GroupCommitTest {
  private static final int THREADS = 8;
  private static final int TXNS_PER_THREAD = 25;
  private static final int KEYS_PER_TXN = 4;
  private static final byte[] COUNTER = b("counter");

  @TempDir Path dir;

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] key(int thread, int txn, int part) {
    return b(String.format("t%02d-%04d-%d", thread, txn, part));
  }

  private static long counter(byte[] raw) {
    return raw == null ? 0 : ByteBuffer.wrap(raw).getLong();
  }

  /** Runs {@code body(thread)} on {@code threads} threads started together; rethrows failures. */
  private static void onThreads(int threads, java.util.function.IntConsumer body)
      throws InterruptedException {
    CountDownLatch start = new CountDownLatch(1);
    ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
    List<Thread> all = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int thread = t;
      Thread w =
          new Thread(
              () -> {
                try {
                  start.await();
                  body.accept(thread);
                } catch (Throwable e) {
                  failures.add(e);
                }
              });
      w.start();
      all.add(w);
    }
    start.countDown();
    for (Thread w : all) {
      w.join();
    }
    if (!failures.isEmpty()) {
      AssertionError e = new AssertionError("a committing thread failed");
      failures.forEach(e::addSuppressed);
      throw e;
    }
  }

  @Test
  void concurrentCommits_shareEntries_andAreAllVisibleAndAtomicOnEveryReplica() throws Exception {
    try (TestCluster c = TestCluster.open(dir.resolve("g"), 3, EngineOptions.defaults())) {
      RaftEngine leader = c.replicas[0];
      long appliedBefore = leader.stats().get("raft.appliedIndex").longValue();
      onThreads(
          THREADS,
          thread -> {
            for (int txn = 0; txn < TXNS_PER_THREAD; txn++) {
              try (WriteTxn w = leader.beginWrite()) {
                // Read-modify-write of one shared key: a transaction that did not see the queued
                // ones before it would lose an increment.
                long next = counter(w.get(COUNTER)) + 1;
                w.put(COUNTER, ByteBuffer.allocate(8).putLong(next).array());
                for (int part = 0; part < KEYS_PER_TXN; part++) {
                  w.put(key(thread, txn, part), b("v" + thread + "-" + txn));
                }
                w.commit();
              }
            }
          });
      int total = THREADS * TXNS_PER_THREAD;
      long entries = leader.stats().get("raft.appliedIndex").longValue() - appliedBefore;
      assertTrue(entries < total, total + " transactions took " + entries + " log entries");
      String reference = null;
      for (RaftEngine r : c.replicas) {
        assertEquals(total, counter(r.get(COUNTER)), "counter on " + r.replicaId());
        for (int thread = 0; thread < THREADS; thread++) {
          for (int txn = 0; txn < TXNS_PER_THREAD; txn++) {
            for (int part = 0; part < KEYS_PER_TXN; part++) {
              assertArrayEquals(
                  b("v" + thread + "-" + txn),
                  r.get(key(thread, txn, part)),
                  "txn " + thread + "/" + txn + " on " + r.replicaId());
            }
          }
        }
        String hash = LeaderFailoverTest.contentHash(r);
        reference = reference == null ? hash : reference;
        assertEquals(reference, hash, "replica " + r.replicaId() + " diverged");
        r.verifyIntegrity();
      }
    }
  }

  @Test
  void aTransactionBeingWritten_joinsTheEntryOfTheOneQueuedBeforeIt() throws Exception {
    EngineOptions options = EngineOptions.builder().set("raft.batchWaitMicros", "1000000").build();
    try (TestCluster c = TestCluster.open(dir.resolve("g"), 3, options)) {
      RaftEngine leader = c.replicas[0];
      leader.put(b("warm"), b("up"));
      long entriesBefore = stat(leader, "raft.entriesProposed");
      long txnsBefore = stat(leader, "raft.transactionsProposed");
      CountDownLatch waiting = new CountDownLatch(1);
      try (WriteTxn first = leader.beginWrite()) {
        Thread second =
            new Thread(
                () -> {
                  waiting.countDown();
                  try (WriteTxn txn = leader.beginWrite()) {
                    txn.put(b("second"), b("2"));
                    txn.commit();
                  }
                });
        second.start();
        waiting.await();
        // The second waits for the writer the first holds; give it time to be queued there.
        Thread.sleep(300);
        first.put(b("first"), b("1"));
        first.commit();
        second.join();
      }
      // Without the wait, the first's entry would go as soon as it was queued, alone.
      assertEquals(1, stat(leader, "raft.entriesProposed") - entriesBefore);
      assertEquals(2, stat(leader, "raft.transactionsProposed") - txnsBefore);
      for (RaftEngine r : c.replicas) {
        assertArrayEquals(b("1"), r.get(b("first")), r.replicaId());
        assertArrayEquals(b("2"), r.get(b("second")), r.replicaId());
      }
    }
  }

  @Test
  void aLoneCommitter_neverWaitsForOthers() {
    EngineOptions options = EngineOptions.builder().set("raft.batchWaitMicros", "1000000").build();
    try (TestCluster c = TestCluster.open(dir.resolve("g"), 3, options)) {
      RaftEngine leader = c.replicas[0];
      long entriesBefore = stat(leader, "raft.entriesProposed");
      long start = System.nanoTime();
      for (int i = 0; i < 10; i++) {
        leader.put(b("k" + i), b("v"));
      }
      // Each commit would take a second if its entry waited out raft.batchWaitMicros.
      long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
      assertTrue(elapsedMillis < 5_000, "10 lone commits took " + elapsedMillis + " ms");
      assertEquals(10, stat(leader, "raft.entriesProposed") - entriesBefore);
    }
  }

  private static long stat(RaftEngine r, String name) {
    return r.stats().get(name).longValue();
  }

  @Test
  void invalidTransaction_amongConcurrentCommits_failsAlone() throws Exception {
    int maxEntry = 1 << 20;
    EngineOptions options =
        EngineOptions.builder()
            .set(RaftSettings.MAX_ENTRY_BYTES, Integer.toString(maxEntry))
            .build();
    try (TestCluster c = TestCluster.open(dir.resolve("g"), 3, options)) {
      RaftEngine leader = c.replicas[0];
      byte[] tooLarge = new byte[maxEntry + 1];
      ConcurrentLinkedQueue<IllegalArgumentException> refused = new ConcurrentLinkedQueue<>();
      onThreads(
          THREADS,
          thread -> {
            for (int txn = 0; txn < 10; txn++) {
              try (WriteTxn w = leader.beginWrite()) {
                w.put(key(thread, txn, 0), b("ok"));
                if (thread == 0 && txn % 3 == 1) {
                  w.put(key(thread, txn, 1), tooLarge);
                  refused.add(assertThrowsExactly(IllegalArgumentException.class, w::commit));
                } else {
                  w.commit();
                }
              }
            }
          });
      assertEquals(3, refused.size());
      assertTrue(refused.peek().getMessage().contains("raft.maxEntryBytes"));
      for (RaftEngine r : c.replicas) {
        for (int thread = 0; thread < THREADS; thread++) {
          for (int txn = 0; txn < 10; txn++) {
            boolean invalid = thread == 0 && txn % 3 == 1;
            if (invalid) {
              assertNull(r.get(key(thread, txn, 0)), "refused txn " + txn + " on " + r.replicaId());
              assertNull(r.get(key(thread, txn, 1)), "refused txn " + txn + " on " + r.replicaId());
            } else {
              assertArrayEquals(b("ok"), r.get(key(thread, txn, 0)), r.replicaId());
            }
          }
        }
        r.verifyIntegrity();
      }
      assertTrue(tooLarge.length <= Limits.MAX_VALUE_SIZE);
    }
  }

  @Test
  void emptyCommit_afterReadingQueuedWrites_returnsOnceTheyAreApplied() throws Exception {
    try (TestCluster c = TestCluster.open(dir.resolve("g"), 3, EngineOptions.defaults())) {
      RaftEngine leader = c.replicas[0];
      onThreads(
          4,
          thread -> {
            for (int txn = 0; txn < 20; txn++) {
              if (thread == 0) {
                byte[] seen;
                try (WriteTxn w = leader.beginWrite()) {
                  seen = w.get(COUNTER);
                  w.commit();
                }
                // What the empty transaction read is applied once its commit returned.
                if (seen != null) {
                  assertTrue(counter(leader.get(COUNTER)) >= counter(seen));
                }
              } else {
                leader.update(
                    w -> {
                      long next = counter(w.get(COUNTER)) + 1;
                      w.put(COUNTER, ByteBuffer.allocate(8).putLong(next).array());
                      return null;
                    });
              }
            }
          });
      assertEquals(60, counter(leader.get(COUNTER)));
      leader.verifyIntegrity();
    }
  }
}
