package dev.strata.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.EngineOptions;
import dev.strata.api.StorageEngines;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Snapshots: the leader snapshots its local store every few entries and purges its log; a replica
 * that was down past the purged part, and a newcomer, catch up by installing the snapshot
 * (replacing their local store) and end with identical content.
 */
class SnapshotTest {
  @TempDir Path dir;

  private static final EngineOptions SMALL_LOG =
      EngineOptions.builder()
          .set(RaftSettings.SNAPSHOT_EVERY, "40")
          .set(RaftSettings.MAX_ENTRY_BYTES, "1MiB")
          .set(RaftSettings.SEGMENT_BYTES, "2MiB")
          .build();

  private static void write(RaftEngine leader, int from, int to) {
    for (int i = from; i < to; i++) {
      leader.put(String.format("k%05d", i).getBytes(StandardCharsets.UTF_8), new byte[20_000 + i]);
    }
  }

  private static long stat(RaftEngine r, String key) {
    return r.stats().get(key).longValue();
  }

  @Test
  void replicaBehindThePurgedLog_installsTheSnapshot_andCatchesUp() {
    try (TestCluster c = TestCluster.open(dir.resolve("g"), 3, SMALL_LOG)) {
      RaftEngine leader = c.replicas[0];
      write(leader, 0, 20);
      c.stop(2);
      write(leader, 20, 320);
      assertTrue(stat(leader, "raft.snapshotIndex") > 0, "the leader took no snapshot");
      assertTrue(
          stat(leader, "raft.logStartIndex") > 25,
          "the leader purged no log: start " + stat(leader, "raft.logStartIndex"));
      RaftEngine back = c.start(2);
      write(leader, 320, 330);
      assertEquals(LeaderFailoverTest.contentHash(leader), LeaderFailoverTest.contentHash(back));
      assertTrue(stat(back, "raft.snapshotsInstalled") >= 1, "r3 caught up without a snapshot");
      back.verifyIntegrity();
      leader.verifyIntegrity();
    }
    // Reopened, every replica recovers from its snapshot and log.
    try (TestCluster c = TestCluster.open(dir.resolve("g"), 3, SMALL_LOG)) {
      write(c.replicas[0], 330, 335);
      String h = LeaderFailoverTest.contentHash(c.replicas[0]);
      for (RaftEngine r : c.replicas) {
        assertEquals(h, LeaderFailoverTest.contentHash(r), r.replicaId());
        r.verifyIntegrity();
      }
    }
  }

  @Test
  void newcomer_afterThePurge_joinsBySnapshot() throws Exception {
    try (TestCluster c = TestCluster.open(dir.resolve("g"), 3, SMALL_LOG)) {
      RaftEngine leader = c.replicas[0];
      write(leader, 0, 200);
      assertTrue(stat(leader, "raft.logStartIndex") > 0, "the leader purged no log");
      TestCluster.Newcomer r4Joins = c.newcomer(leader, "r4");
      try (RaftEngine r4 =
          (RaftEngine) StorageEngines.open("raft", dir.resolve("r4"), r4Joins.options())) {
        leader.addReplica("r4", r4Joins.address());
        write(leader, 200, 205);
        assertEquals(LeaderFailoverTest.contentHash(leader), LeaderFailoverTest.contentHash(r4));
        assertTrue(stat(r4, "raft.snapshotsInstalled") >= 1, "r4 joined without a snapshot");
        r4.verifyIntegrity();
      }
    }
  }

  /**
   * The log is purged a segment at a time and a segment ends at each change of term, so a stopped
   * leader's log usually ends exactly where the new leader's purged log begins (one entry earlier
   * if the stopped leader's last entry had reached no one). Restarted, it is at (or just behind)
   * the log start with no entry before it, and the newer snapshot is what it needs.
   */
  @Test
  void stoppedLeader_atTheNewLeadersLogStart_installsTheSnapshot() {
    EngineOptions options =
        EngineOptions.builder()
            .set(RaftSettings.SNAPSHOT_EVERY, "40")
            .set(RaftSettings.MAX_ENTRY_BYTES, "1MiB")
            .build();
    try (TestCluster c = TestCluster.open(dir.resolve("g"), 3, options)) {
      RaftEngine old = c.replicas[0];
      for (int i = 0; i < 20; i++) {
        old.put(key(i), new byte[100]);
      }
      long oldLast = stat(old, "raft.commitIndex");
      c.stop(0);
      RaftEngine leader = c.replicas[awaitAnyLeader(c)];
      int written = 20;
      // Until the log is purged and a snapshot past r1's last entry stands: the purge may follow a
      // snapshot taken exactly at r1's last entry, and the next one (40 entries on) leaves the log
      // start where it is, since only closed segments go.
      while ((stat(leader, "raft.logStartIndex") <= 0
              || stat(leader, "raft.snapshotIndex") <= oldLast)
          && written < 2_000) {
        leader.put(key(written++), new byte[100]);
      }
      long start = stat(leader, "raft.logStartIndex");
      assertTrue(
          start > oldLast && start <= oldLast + 2,
          "the new leader's purged log begins at " + start + ", not where r1's log ends");
      assertTrue(stat(leader, "raft.snapshotIndex") > oldLast, "the snapshot is not newer");
      RaftEngine back = c.start(0);
      RaftEngine now = c.replicas[awaitAnyLeader(c)];
      now.put(key(written), new byte[100]);
      assertEquals(LeaderFailoverTest.contentHash(now), LeaderFailoverTest.contentHash(back));
      assertTrue(stat(back, "raft.snapshotsInstalled") >= 1, "r1 caught up without a snapshot");
      back.verifyIntegrity();
      now.verifyIntegrity();
    }
  }

  private static byte[] key(int i) {
    return String.format("k%05d", i).getBytes(StandardCharsets.UTF_8);
  }

  private static int awaitAnyLeader(TestCluster c) {
    long deadline = System.nanoTime() + 60_000_000_000L;
    int leader;
    while ((leader = c.leader()) < 0) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no leader within 60 s");
      }
      Waits.pause(10);
    }
    return leader;
  }
}
