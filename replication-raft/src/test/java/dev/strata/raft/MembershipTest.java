package dev.strata.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrowsExactly;

import dev.strata.api.EngineOptions;
import dev.strata.api.StorageEngines;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Members are added and removed at run time: a newcomer started on an empty directory catches up
 * with the whole log and holds the same content; a removed member no longer counts.
 */
class MembershipTest {
  @TempDir Path dir;

  @Test
  void addReplica_newcomerCatchesUp_thenRemoveReplica_shrinksTheGroup() throws Exception {
    try (TestCluster c = TestCluster.open(dir.resolve("g"), 3, EngineOptions.defaults())) {
      RaftEngine leader = c.replicas[0];
      for (int i = 0; i < 100; i++) {
        leader.put(("k" + i).getBytes(StandardCharsets.UTF_8), new byte[200]);
      }
      TestCluster.Newcomer r4Joins = c.newcomer(leader, "r4");
      try (RaftEngine r4 =
          (RaftEngine) StorageEngines.open("raft", dir.resolve("r4"), r4Joins.options())) {
        leader.addReplica("r4", r4Joins.address());
        assertEquals(r4Joins.members(), leader.members());
        leader.put("after-add".getBytes(StandardCharsets.UTF_8), new byte[] {1});
        assertEquals(LeaderFailoverTest.contentHash(leader), LeaderFailoverTest.contentHash(r4));
        r4.verifyIntegrity();
        assertThrowsExactly(NotLeaderException.class, () -> r4.removeReplica("r2"));

        leader.removeReplica("r4");
        assertEquals(3, leader.members().size());
      }
      // With r4 gone the three original members still commit.
      leader.put("after-remove".getBytes(StandardCharsets.UTF_8), new byte[] {2});
      assertEquals(
          LeaderFailoverTest.contentHash(leader), LeaderFailoverTest.contentHash(c.replicas[2]));
    }
  }

  /**
   * A newcomer started long before the leader adds it: its election timer runs out many times
   * meanwhile. Were it a voter of its own configuration, it would campaign, and the leader answers
   * a campaign from a stranger by telling it to shut down; with {@code raft.join} it waits for the
   * leader instead, and the change goes through.
   */
  @Test
  void newcomer_startedLongBeforeItIsAdded_stillJoins() throws Exception {
    try (TestCluster c = TestCluster.open(dir.resolve("g"), 3, EngineOptions.defaults())) {
      // Under a second leader, whose configuration entry lies past the log's start: a campaign
      // from a replica with an empty log is then one the leader tells to shut down.
      c.awaitLeader(1);
      RaftEngine leader = c.replicas[1];
      leader.put("before".getBytes(StandardCharsets.UTF_8), new byte[] {1});
      TestCluster.Newcomer r4Joins = c.newcomer(leader, "r4");
      EngineOptions quickTimer =
          r4Joins.options().toBuilder()
              .set(RaftSettings.ELECTION_MIN, "100")
              .set(RaftSettings.ELECTION_MAX, "200")
              .set(RaftSettings.FIRST_ELECTION_MIN, "100")
              .set(RaftSettings.FIRST_ELECTION_MAX, "200")
              .build();
      try (RaftEngine r4 =
          (RaftEngine) StorageEngines.open("raft", dir.resolve("r4"), quickTimer)) {
        // Ten election timeouts and more before the leader hears of r4.
        Thread.sleep(2_000);
        leader.addReplica("r4", r4Joins.address());
        assertEquals(r4Joins.members(), leader.members());
        leader.put("after-add".getBytes(StandardCharsets.UTF_8), new byte[] {2});
        assertEquals(LeaderFailoverTest.contentHash(leader), LeaderFailoverTest.contentHash(r4));
        assertEquals(r4Joins.members(), r4.members());
        r4.verifyIntegrity();
      }
    }
  }

  @Test
  void join_mustBeTrueOrFalse() {
    TestCluster c = TestCluster.create(dir.resolve("g"), 1, EngineOptions.defaults());
    EngineOptions options = c.options(0).toBuilder().set(RaftSettings.JOIN, "sometimes").build();
    assertThrowsExactly(
        IllegalArgumentException.class,
        () -> StorageEngines.open("raft", dir.resolve("g"), options));
  }
}
