package dev.strata.raft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrowsExactly;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.EngineOptions;
import dev.strata.api.Limits;
import dev.strata.api.StorageEngines;
import dev.strata.api.StorageIOException;
import dev.strata.api.WriteTxn;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The replicated engine's own semantics: where writes run, what followers see, the reserved key.
 */
class RaftEngineTest {
  @TempDir Path dir;

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void open_onAnAddressInUse_failsTyped_andTheJvmGoesOn() throws Exception {
    // Ratis would end the process here (System.exit) if the engine did not stop it.
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      EngineOptions options =
          EngineOptions.builder()
              .set("raft.engine", "btree")
              .set(RaftSettings.ID, "r1")
              .set(RaftSettings.PEERS, "r1=127.0.0.1:" + taken.getLocalPort())
              .build();
      StorageIOException e =
          assertThrowsExactly(
              StorageIOException.class,
              () -> StorageEngines.open("raft", dir.resolve("busy"), options));
      assertTrue(
          String.valueOf(e.getCause()).contains("127.0.0.1:" + taken.getLocalPort()),
          String.valueOf(e.getCause()));
    }
    // The directory is not left locked: a replica on a free port opens it.
    int free;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      free = probe.getLocalPort();
    }
    EngineOptions options =
        EngineOptions.builder()
            .set("raft.engine", "btree")
            .set(RaftSettings.ID, "r1")
            .set(RaftSettings.PEERS, "r1=127.0.0.1:" + free)
            .build();
    StorageEngines.open("raft", dir.resolve("busy"), options).close();
  }

  @Test
  void commit_onLeader_isAppliedOnEveryReplica() {
    try (TestCluster c = TestCluster.open(dir.resolve("g"), 3, EngineOptions.defaults())) {
      c.replicas[0].put(b("k"), b("v"));
      for (RaftEngine r : c.replicas) {
        assertArrayEquals(b("v"), r.get(b("k")), "linearizable read on " + r.replicaId());
      }
    }
  }

  @Test
  void stats_countTheEntriesProposed_andTheApplies_onEveryReplica() {
    try (TestCluster c = TestCluster.open(dir.resolve("g"), 3, EngineOptions.defaults())) {
      RaftEngine leader = c.replicas[0];
      Map<String, Number> before = leader.stats();
      long[] appliesBefore = new long[3];
      for (int i = 0; i < 3; i++) {
        appliesBefore[i] = c.replicas[i].stats().get("raft.batchApplies").longValue();
      }
      for (int i = 0; i < 10; i++) {
        leader.put(b("k" + i), b("v"));
      }
      Map<String, Number> after = leader.stats();
      // One client, one transaction per entry: each commit waits for its entry's outcome.
      assertEquals(10, delta(before, after, "raft.entriesProposed"));
      assertEquals(10, delta(before, after, "raft.transactionsProposed"));
      assertTrue(delta(before, after, "raft.proposeNanos") > 0);
      for (int i = 0; i < 3; i++) {
        RaftEngine r = c.replicas[i];
        assertArrayEquals(b("v"), r.get(b("k9")), "linearizable read on " + r.replicaId());
        Map<String, Number> s = r.stats();
        assertTrue(s.get("raft.batchApplies").longValue() - appliesBefore[i] >= 10, r.replicaId());
        assertTrue(s.get("raft.batchApplyNanos").longValue() > 0, r.replicaId());
        if (r != leader) {
          assertEquals(0, s.get("raft.entriesProposed").longValue(), "a follower proposes none");
        }
      }
    }
  }

  private static long delta(Map<String, Number> before, Map<String, Number> after, String key) {
    return after.get(key).longValue() - before.get(key).longValue();
  }

  @Test
  void beginWrite_onFollower_throwsNotLeaderNamingTheLeader() {
    try (TestCluster c = TestCluster.open(dir.resolve("g"), 3, EngineOptions.defaults())) {
      NotLeaderException e =
          assertThrowsExactly(NotLeaderException.class, c.replicas[1]::beginWrite);
      assertEquals("r1", e.leaderId());
      assertTrue(c.peers.contains("r1=" + e.leaderAddress()), e.getMessage());
      assertNull(c.replicas[0].get(b("k")));
    }
  }

  @Test
  void reservedKey_isRefusedAndNeverShown() {
    try (TestCluster c = TestCluster.open(dir.resolve("g"), 3, EngineOptions.defaults())) {
      byte[] reserved = new byte[Limits.MAX_KEY_SIZE];
      Arrays.fill(reserved, (byte) 0xFF);
      RaftEngine leader = c.replicas[0];
      leader.put(b("a"), b("1"));
      assertThrowsExactly(IllegalArgumentException.class, () -> leader.put(reserved, b("x")));
      assertThrowsExactly(IllegalArgumentException.class, () -> leader.get(reserved));
      try (WriteTxn txn = leader.beginWrite()) {
        assertThrowsExactly(IllegalArgumentException.class, () -> txn.delete(reserved));
      }
      assertEquals(
          Integer.valueOf(1),
          leader.<Integer>view(
              t -> {
                int n = 0;
                try (var cur = t.cursor(dev.strata.api.KeyRange.all().reversed())) {
                  while (cur.next()) {
                    n++;
                  }
                }
                return n;
              }));
    }
  }

  @Test
  void transaction_whoseLeaderChanged_failsAndLeavesNothing() {
    try (TestCluster c = TestCluster.open(dir.resolve("g"), 3, EngineOptions.defaults())) {
      RaftEngine r1 = c.replicas[0];
      r1.put(b("before"), b("1"));
      WriteTxn txn = r1.beginWrite();
      txn.put(b("lost"), b("2"));
      assertTrue(r1.transferLeadership("r2", 10_000));
      assertThrowsExactly(LeadershipLostException.class, txn::commit);
      txn.close();
      c.awaitLeader(1);
      for (RaftEngine r : c.replicas) {
        assertNull(r.get(b("lost")), r.replicaId());
        assertArrayEquals(b("1"), r.get(b("before")), r.replicaId());
      }
      c.replicas[1].put(b("after"), b("3"));
      assertArrayEquals(b("3"), r1.get(b("after")));
    }
  }
}
