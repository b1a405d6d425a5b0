package dev.strata.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.EngineOptions;
import dev.strata.raft.LinearizabilityChecker.Kind;
import dev.strata.raft.LinearizabilityChecker.Op;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several clients run a concurrent read / write / compare-and-set workload against a three-replica
 * group (writes on the leader, linearizable reads on every replica); the recorded history is
 * checked with {@link LinearizabilityChecker}, key by key. The checker itself is checked on
 * histories that are and are not linearizable.
 */
class LinearizabilityTest {
  private static final int CLIENTS = 4;
  private static final int OPS_PER_CLIENT = 60;
  private static final int KEYS = 3;

  @TempDir Path dir;

  private static Op read(int id, long call, long ret, String observed) {
    return new Op(id, Kind.READ, call, ret, null, null, observed, false);
  }

  private static Op write(int id, long call, long ret, String value) {
    return new Op(id, Kind.WRITE, call, ret, null, value, null, false);
  }

  private static Op cas(int id, long call, long ret, String expected, String value, boolean ok) {
    return new Op(id, Kind.CAS, call, ret, expected, value, null, ok);
  }

  @Test
  void checker_acceptsConcurrentOverlaps_andRejectsStaleReadsAndImpossibleCas() {
    // A read overlapping a write may see either value.
    assertTrue(
        LinearizabilityChecker.isLinearizable(
            List.of(write(0, 0, 10, "a"), read(1, 5, 15, null), read(2, 6, 16, "a")), null));
    // A read that starts after a write returned must see it (or something later).
    assertFalse(
        LinearizabilityChecker.isLinearizable(
            List.of(write(0, 0, 10, "a"), read(1, 11, 15, null)), null));
    // Two reads may not see the write in opposite orders when they do not overlap.
    assertFalse(
        LinearizabilityChecker.isLinearizable(
            List.of(write(0, 0, 100, "a"), read(1, 10, 20, "a"), read(2, 30, 40, null)), null));
    // Two compare-and-sets from the same value cannot both succeed.
    assertFalse(
        LinearizabilityChecker.isLinearizable(
            List.of(cas(0, 0, 10, null, "a", true), cas(1, 0, 10, null, "b", true)), null));
    // A write with unknown outcome may or may not have happened.
    assertTrue(
        LinearizabilityChecker.isLinearizable(
            List.of(write(0, 0, Long.MAX_VALUE, "a"), read(1, 5, 6, null), read(2, 7, 8, "a")),
            null));
  }

  @Test
  void concurrentReadWriteCas_onThreeReplicas_isLinearizable() throws Exception {
    long seed = Long.getLong("strata.test.seed", System.nanoTime());
    System.out.println("LinearizabilityTest seed " + seed + " (replay: -Dstrata.test.seed=N)");
    ConcurrentLinkedQueue<Map.Entry<Integer, Op>> history = new ConcurrentLinkedQueue<>();
    AtomicInteger ids = new AtomicInteger();
    try (TestCluster c = TestCluster.open(dir.resolve("g"), 3, EngineOptions.defaults())) {
      List<Thread> clients = new ArrayList<>();
      ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
      for (int client = 0; client < CLIENTS; client++) {
        SplittableRandom random = new SplittableRandom(seed + client);
        int clientId = client;
        Thread t =
            new Thread(
                () -> {
                  try {
                    for (int n = 0; n < OPS_PER_CLIENT; n++) {
                      int key = random.nextInt(KEYS);
                      int id = ids.getAndIncrement();
                      history.add(Map.entry(key, runOne(c, random, clientId, key, id)));
                    }
                  } catch (Throwable e) {
                    failures.add(e);
                  }
                });
        clients.add(t);
        t.start();
      }
      for (Thread t : clients) {
        t.join();
      }
      if (!failures.isEmpty()) {
        throw new AssertionError("a client failed; seed " + seed, failures.peek());
      }
    }
    Map<Integer, List<Op>> byKey = new TreeMap<>();
    for (Map.Entry<Integer, Op> e : history) {
      byKey.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(e.getValue());
    }
    int violations = 0;
    for (Map.Entry<Integer, List<Op>> e : byKey.entrySet()) {
      if (!LinearizabilityChecker.isLinearizable(e.getValue(), null)) {
        violations++;
        System.out.println("key " + e.getKey() + " is not linearizable: " + e.getValue());
      }
    }
    assertEquals(CLIENTS * OPS_PER_CLIENT, history.size());
    assertEquals(0, violations, "keys with a non-linearizable history; seed " + seed);
  }

  private static byte[] keyBytes(int key) {
    return ("reg" + key).getBytes(StandardCharsets.UTF_8);
  }

  private static String string(byte[] v) {
    return v == null ? null : new String(v, StandardCharsets.UTF_8);
  }

  private static Op runOne(TestCluster c, SplittableRandom random, int client, int key, int id) {
    String value = "c" + client + "-" + id;
    byte[] k = keyBytes(key);
    switch (random.nextInt(3)) {
      case 0 -> {
        RaftEngine replica = c.replicas[random.nextInt(c.size)];
        long call = System.nanoTime();
        String observed = string(replica.get(k));
        return read(id, call, System.nanoTime(), observed);
      }
      case 1 -> {
        long call = System.nanoTime();
        c.replicas[0].put(k, value.getBytes(StandardCharsets.UTF_8));
        return write(id, call, System.nanoTime(), value);
      }
      default -> {
        // Compare against a value this client may have seen: a recent one or absent.
        String expected = random.nextInt(4) == 0 ? null : string(c.replicas[0].get(k));
        long call = System.nanoTime();
        boolean ok =
            c.replicas[0].update(
                txn -> {
                  if (java.util.Objects.equals(expected, string(txn.get(k)))) {
                    txn.put(k, value.getBytes(StandardCharsets.UTF_8));
                    return true;
                  }
                  return false;
                });
        return cas(id, call, System.nanoTime(), expected, value, ok);
      }
    }
  }
}
