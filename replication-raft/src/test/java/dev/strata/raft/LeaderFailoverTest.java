package dev.strata.raft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.EngineClosedException;
import dev.strata.api.EngineOptions;
import dev.strata.api.StorageEngine;
import dev.strata.api.TransactionClosedException;
import dev.strata.api.WriteTxn;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The leader is stopped while transactions are in flight: every acknowledged commit is on the
 * survivors, no transaction is partly anywhere, and the stopped replica, restarted, catches up to
 * identical content. With several writers, the leader stops with group-committed entries in flight.
 */
class LeaderFailoverTest {
  private static final int KEYS_PER_TXN = 5;

  @TempDir Path dir;

  private static byte[] key(int txn, int part) {
    return String.format("t%06d-%d", txn, part).getBytes(StandardCharsets.UTF_8);
  }

  @ParameterizedTest(name = "{0} writer(s)")
  @ValueSource(ints = {1, 4})
  void leaderStopped_withWritesInFlight_keepsEveryAcknowledgedCommit_andNoPartialTxn(int writers)
      throws Exception {
    try (TestCluster c = TestCluster.open(dir.resolve("g"), 3, EngineOptions.defaults())) {
      Set<Integer> acknowledged = ConcurrentHashMap.newKeySet();
      Set<Integer> attempted = ConcurrentHashMap.newKeySet();
      AtomicBoolean stop = new AtomicBoolean();
      AtomicInteger next = new AtomicInteger();
      Runnable writeUntilStopped =
          () -> {
            while (!stop.get()) {
              int leader = c.leader();
              RaftEngine engine = leader < 0 ? null : c.replicas[leader];
              if (engine == null) {
                Waits.pause(10);
                continue;
              }
              int txn = next.getAndIncrement();
              attempted.add(txn);
              try {
                try (WriteTxn w = engine.beginWrite()) {
                  for (int p = 0; p < KEYS_PER_TXN; p++) {
                    w.put(key(txn, p), ("v" + txn).getBytes(StandardCharsets.UTF_8));
                  }
                  w.commit();
                }
                acknowledged.add(txn);
              } catch (ReplicationException
                  | EngineClosedException
                  | TransactionClosedException e) {
                // The leader went away under this transaction: its fate is checked below.
              }
            }
          };
      List<Thread> threads = new ArrayList<>();
      for (int i = 0; i < writers; i++) {
        threads.add(new Thread(writeUntilStopped));
      }
      threads.forEach(Thread::start);
      while (acknowledged.size() < 50) {
        Waits.pause(5);
      }
      c.stop(0);
      int before = acknowledged.size();
      long deadline = System.nanoTime() + 60_000_000_000L;
      while (acknowledged.size() < before + 50 && System.nanoTime() < deadline) {
        Waits.pause(10);
      }
      stop.set(true);
      for (Thread t : threads) {
        t.join();
      }
      assertTrue(acknowledged.size() >= before + 50, "the survivors elected no working leader");

      c.start(0);
      String reference = null;
      for (RaftEngine r : c.replicas) {
        for (int txn : attempted) {
          int present = 0;
          for (int p = 0; p < KEYS_PER_TXN; p++) {
            if (r.get(key(txn, p)) != null) {
              present++;
            }
          }
          if (acknowledged.contains(txn)) {
            assertEquals(KEYS_PER_TXN, present, "acknowledged txn " + txn + " on " + r.replicaId());
          } else {
            assertTrue(
                present == 0 || present == KEYS_PER_TXN,
                "txn " + txn + " is partly on " + r.replicaId());
          }
        }
        String hash = contentHash(r);
        if (reference == null) {
          reference = hash;
        }
        assertEquals(reference, hash, "replica " + r.replicaId() + " diverged");
        r.verifyIntegrity();
      }
      assertArrayEquals(("v" + 0).getBytes(StandardCharsets.UTF_8), c.replicas[0].get(key(0, 0)));
    }
  }

  /** SHA-256 of a full linearizable scan. */
  static String contentHash(StorageEngine e) {
    return ReplicaCommand.contentHash(e);
  }
}
