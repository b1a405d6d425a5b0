package dev.strata.raft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.strata.api.Cursor;
import dev.strata.api.EngineOptions;
import dev.strata.api.KeyRange;
import dev.strata.api.WriteTxn;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The long run: the leader of a three-replica group is stopped and restarted again and again
 * ({@code -Dstrata.raft.leaderKills}, 200 by default) while several clients commit transactions
 * throughout. Snapshots are taken every few hundred entries with the log purged behind them, so a
 * restarted replica catches up by log or by snapshot. At the end every acknowledged transaction is
 * on every replica with its exact values, no transaction is partly anywhere, one that failed with
 * {@link LeadershipLostException} (or before its commit) is nowhere, every replica holds identical
 * content (hash of a full scan) and passes {@code verifyIntegrity()}.
 *
 * <p>Seeded ({@code -Dstrata.test.seed}): the seed fixes the values and the kill schedule (which
 * kills wait a moment after a commit); thread timing still varies between runs. Runs under {@code
 * -Preliability}.
 */
@Tag("soak")
class LeaderKillSoakTest {
  private static final int CLIENTS = 3;
  private static final int KEYS_PER_TXN = 3;

  @TempDir Path dir;

  private enum Outcome {
    /** commit() returned. */
    ACKNOWLEDGED,
    /** Failed before commit() was called, or commit() threw LeadershipLostException. */
    ABSENT,
    /** commit() threw something else: applied everywhere or nowhere. */
    UNKNOWN
  }

  private static byte[] key(long txn, int part) {
    return String.format("t%010d-%d", txn, part).getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] counterKey(int client) {
    return ("c" + client).getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] value(long seed, long txn, int part) {
    SplittableRandom r = new SplittableRandom(seed ^ (txn * 31 + part));
    byte[] v = new byte[16 + r.nextInt(200)];
    for (int i = 0; i < v.length; i++) {
      v[i] = (byte) r.nextInt(256);
    }
    return v;
  }

  @Test
  void leaderStoppedAndRestartedRepeatedly_losesNoAcknowledgedWrite_andReplicasConverge()
      throws Exception {
    String fixed = System.getProperty("strata.test.seed", "").trim();
    long seed = fixed.isEmpty() ? System.nanoTime() : Long.parseLong(fixed);
    int kills = Integer.getInteger("strata.raft.leaderKills", 200);
    System.out.println("LeaderKillSoakTest seed=" + seed + " kills=" + kills);
    try {
      run(seed, kills);
    } catch (AssertionError | RuntimeException e) {
      throw new AssertionError(
          "leader-kill soak failed; replay with -Dstrata.test.seed=" + seed, e);
    }
  }

  private void run(long seed, int kills) throws Exception {
    EngineOptions options =
        EngineOptions.builder()
            .set(RaftSettings.ELECTION_MIN, "500")
            .set(RaftSettings.ELECTION_MAX, "1000")
            .set(RaftSettings.REQUEST_TIMEOUT, "10000")
            .set(RaftSettings.MAX_ENTRY_BYTES, "1MiB")
            .set(RaftSettings.SEGMENT_BYTES, "2MiB")
            .set(
                RaftSettings.SNAPSHOT_EVERY,
                String.valueOf(Long.getLong("strata.raft.soakSnapshotEvery", 0)))
            .set(
                RaftSettings.SNAPSHOT_MODE,
                System.getProperty("strata.raft.soakSnapshotMode", "online"))
            .build();
    SplittableRandom schedule = new SplittableRandom(seed);
    Map<Long, Outcome> outcomes = new ConcurrentHashMap<>();
    Map<Long, Integer> clientOf = new ConcurrentHashMap<>();
    AtomicLong nextTxn = new AtomicLong();
    AtomicLong acknowledged = new AtomicLong();
    Map<String, AtomicLong> failures = new ConcurrentHashMap<>();
    AtomicBoolean stop = new AtomicBoolean();
    long snapshotsInstalled = 0;
    long started = System.nanoTime();
    TestCluster c = TestCluster.open(dir.resolve("g"), 3, options);
    List<Thread> clients = new ArrayList<>();
    try {
      for (int client = 0; client < CLIENTS; client++) {
        int id = client;
        Thread t =
            new Thread(
                () -> {
                  while (!stop.get()) {
                    int leader = c.leader();
                    RaftEngine engine = leader < 0 ? null : c.replicas[leader];
                    if (engine == null) {
                      Waits.pause(5);
                      continue;
                    }
                    long txn = nextTxn.getAndIncrement();
                    clientOf.put(txn, id);
                    outcomes.put(txn, Outcome.ABSENT);
                    boolean committing = false;
                    try (WriteTxn w = engine.beginWrite()) {
                      for (int p = 0; p < KEYS_PER_TXN; p++) {
                        w.put(key(txn, p), value(seed, txn, p));
                      }
                      w.put(counterKey(id), ByteBuffer.allocate(8).putLong(txn).array());
                      committing = true;
                      w.commit();
                      outcomes.put(txn, Outcome.ACKNOWLEDGED);
                      acknowledged.incrementAndGet();
                    } catch (LeadershipLostException e) {
                      count(failures, e);
                    } catch (RuntimeException e) {
                      count(failures, e);
                      if (committing) {
                        outcomes.put(txn, Outcome.UNKNOWN);
                      }
                    }
                  }
                },
                "soak-client-" + client);
        t.start();
        clients.add(t);
      }
      for (int k = 0; k < kills; k++) {
        awaitProgress(acknowledged, 5, "before kill " + k);
        int leader = awaitAnyLeader(c, -1, "before kill " + k);
        if (schedule.nextBoolean()) {
          Waits.pause(schedule.nextInt(50));
        }
        snapshotsInstalled += c.replicas[leader].stats().get("raft.snapshotsInstalled").longValue();
        c.stop(leader);
        awaitAnyLeader(c, leader, "after kill " + k);
        awaitProgress(acknowledged, 2, "after kill " + k);
        c.start(leader);
        if ((k + 1) % 20 == 0) {
          System.out.printf(
              "LeaderKillSoakTest: %d kills, %d acknowledged, %d s, failures %s%n",
              k + 1, acknowledged.get(), (System.nanoTime() - started) / 1_000_000_000L, failures);
        }
      }
      stop.set(true);
      for (Thread t : clients) {
        t.join();
      }
      check(c, seed, outcomes, clientOf);
      for (RaftEngine r : c.replicas) {
        snapshotsInstalled += r.stats().get("raft.snapshotsInstalled").longValue();
      }
      System.out.printf(
          "LeaderKillSoakTest seed=%d: %d leader kills, %d transactions (%d acknowledged, %d"
              + " unknown), 0 lost, 0 divergent, %d snapshot installs, %d s; failures by type"
              + " %s%n",
          seed,
          kills,
          outcomes.size(),
          acknowledged.get(),
          outcomes.values().stream().filter(o -> o == Outcome.UNKNOWN).count(),
          snapshotsInstalled,
          (System.nanoTime() - started) / 1_000_000_000L,
          failures);
    } finally {
      stop.set(true);
      for (Thread t : clients) {
        t.join();
      }
      c.close();
    }
  }

  private static void count(Map<String, AtomicLong> failures, Exception e) {
    failures.computeIfAbsent(e.getClass().getSimpleName(), k -> new AtomicLong()).incrementAndGet();
  }

  private static void awaitProgress(AtomicLong acknowledged, int commits, String when) {
    long target = acknowledged.get() + commits;
    long deadline = System.nanoTime() + 120_000_000_000L;
    while (acknowledged.get() < target) {
      if (System.nanoTime() > deadline) {
        fail("no " + commits + " commits within 120 s " + when);
      }
      Waits.pause(2);
    }
  }

  private static int awaitAnyLeader(TestCluster c, int not, String when) {
    long deadline = System.nanoTime() + 120_000_000_000L;
    while (true) {
      int leader = c.leader();
      if (leader >= 0 && leader != not) {
        return leader;
      }
      if (System.nanoTime() > deadline) {
        fail("no leader within 120 s " + when + "; " + describe(c));
      }
      Waits.pause(5);
    }
  }

  /** Each replica's Raft state and the threads of the group, for a failure message. */
  private static String describe(TestCluster c) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < c.size; i++) {
      RaftEngine r = c.replicas[i];
      out.append(c.ids.get(i)).append(": ");
      try {
        out.append(
            r == null
                ? "stopped"
                : r.stats().entrySet().stream()
                    .filter(e -> e.getKey().startsWith("raft."))
                    .toList());
      } catch (RuntimeException e) {
        out.append(e);
      }
      out.append('\n');
    }
    Thread.getAllStackTraces()
        .forEach(
            (t, stack) -> {
              if (stack.length > 0 && !t.getName().startsWith("soak-client")) {
                out.append("thread ").append(t.getName()).append(' ').append(t.getState());
                for (int f = 0; f < Math.min(stack.length, 12); f++) {
                  out.append("\n    at ").append(stack[f]);
                }
                out.append('\n');
              }
            });
    return out.toString();
  }

  private static void check(
      TestCluster c, long seed, Map<Long, Outcome> outcomes, Map<Long, Integer> clientOf) {
    int leader = awaitAnyLeader(c, -1, "at the end");
    c.replicas[leader].put("barrier".getBytes(StandardCharsets.UTF_8), new byte[1]);
    long applied = c.replicas[leader].stats().get("raft.appliedIndex").longValue();
    long[] lastAcknowledged = new long[CLIENTS];
    java.util.Arrays.fill(lastAcknowledged, -1);
    outcomes.forEach(
        (txn, o) -> {
          if (o == Outcome.ACKNOWLEDGED) {
            int client = clientOf.get(txn);
            lastAcknowledged[client] = Math.max(lastAcknowledged[client], txn);
          }
        });
    String reference = null;
    for (RaftEngine r : c.replicas) {
      long deadline = System.nanoTime() + 60_000_000_000L;
      while (r.stats().get("raft.appliedIndex").longValue() < applied) {
        assertTrue(System.nanoTime() < deadline, r.replicaId() + " did not catch up");
        Waits.pause(10);
      }
      Map<String, byte[]> content = scan(r);
      Map<Long, Integer> partsPresent = new HashMap<>();
      for (Map.Entry<String, byte[]> e : content.entrySet()) {
        String k = e.getKey();
        if (!k.startsWith("t")) {
          continue;
        }
        long txn = Long.parseLong(k.substring(1, 11));
        int part = Integer.parseInt(k.substring(12));
        Outcome o = outcomes.get(txn);
        assertTrue(
            o == Outcome.ACKNOWLEDGED || o == Outcome.UNKNOWN,
            "txn " + txn + " (" + o + ") is on " + r.replicaId());
        assertArrayEquals(value(seed, txn, part), e.getValue(), k + " on " + r.replicaId());
        partsPresent.merge(txn, 1, Integer::sum);
      }
      for (Map.Entry<Long, Outcome> e : outcomes.entrySet()) {
        int present = partsPresent.getOrDefault(e.getKey(), 0);
        if (e.getValue() == Outcome.ACKNOWLEDGED) {
          assertEquals(
              KEYS_PER_TXN, present, "acknowledged txn " + e.getKey() + " on " + r.replicaId());
        } else {
          assertTrue(
              present == 0 || present == KEYS_PER_TXN,
              "txn " + e.getKey() + " is partly on " + r.replicaId());
        }
      }
      for (int client = 0; client < CLIENTS; client++) {
        byte[] counter = content.get("c" + client);
        if (lastAcknowledged[client] >= 0) {
          assertNotNull(counter, "counter of client " + client + " on " + r.replicaId());
          long txn = ByteBuffer.wrap(counter).getLong();
          assertTrue(
              txn >= lastAcknowledged[client],
              "client " + client + "'s counter went back to " + txn + " on " + r.replicaId());
          assertTrue(partsPresent.getOrDefault(txn, 0) == KEYS_PER_TXN, "counter txn " + txn);
        }
      }
      String hash = ReplicaCommand.contentHash(r);
      if (reference == null) {
        reference = hash;
      }
      assertEquals(reference, hash, "replica " + r.replicaId() + " diverged");
      r.verifyIntegrity();
    }
  }

  private static Map<String, byte[]> scan(RaftEngine r) {
    return r.view(
        txn -> {
          Map<String, byte[]> out = new TreeMap<>();
          try (Cursor cur = txn.cursor(KeyRange.all())) {
            while (cur.next()) {
              out.put(new String(cur.key(), StandardCharsets.UTF_8), cur.value());
            }
          }
          return out;
        });
  }
}
