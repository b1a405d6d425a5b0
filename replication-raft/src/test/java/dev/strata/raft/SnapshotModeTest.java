package dev.strata.raft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.EngineOptions;
import dev.strata.api.StorageEngine;
import dev.strata.api.StorageEngines;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Both ways of taking a snapshot ({@code raft.snapshotMode}): while commits go on, a snapshot is
 * completed whose directory names the applied index its copy carries, the copy holds exactly the
 * commits up to that index, the log is purged behind it, and the replica reopens from it.
 */
class SnapshotModeTest {
  private static final Pattern NAME = Pattern.compile("snapshot\\.(\\d+)_(\\d+)");

  @TempDir Path dir;

  @ParameterizedTest
  @ValueSource(strings = {"online", "blocking"})
  void snapshot_carriesTheAppliedIndexItIsNamedFor(String mode) throws Exception {
    EngineOptions options =
        EngineOptions.builder()
            .set(RaftSettings.SNAPSHOT_MODE, mode)
            .set(RaftSettings.SNAPSHOT_EVERY, "20")
            .set(RaftSettings.MAX_ENTRY_BYTES, "1MiB")
            .set(RaftSettings.SEGMENT_BYTES, "2MiB")
            .build();
    int written = 0;
    try (TestCluster c = TestCluster.open(dir.resolve("g"), 1, options)) {
      RaftEngine r1 = c.replicas[0];
      long deadline = System.nanoTime() + 60_000_000_000L;
      while (r1.stats().get("raft.snapshotIndex").longValue() <= 0 || written < 100) {
        assertTrue(System.nanoTime() < deadline, "no snapshot within 60 s");
        r1.put(key(written), new byte[1_000 + written]);
        written++;
      }
      assertTrue(r1.stats().get("raft.snapshotCopyNanos").longValue() > 0);
    }
    // Closed: every snapshot directory left is complete and names the mark inside its copy.
    Path sm = smDirectory(dir.resolve("g"));
    int checked = 0;
    try (Stream<Path> children = Files.list(sm)) {
      for (Path snapshot : (Iterable<Path>) children::iterator) {
        Matcher m = NAME.matcher(snapshot.getFileName().toString());
        if (!m.matches()) {
          continue;
        }
        assertTrue(Files.exists(snapshot.resolve(SnapshotDirectory.COMPLETE)), snapshot.toString());
        long index = Long.parseLong(m.group(2));
        EngineOptions readOnly = EngineOptions.builder().readOnly(true).build();
        try (StorageEngine copy =
            StorageEngines.open(TestCluster.LOCAL_ENGINE, snapshot.resolve("data"), readOnly)) {
          byte[] raw = copy.get(AppliedMark.KEY);
          assertNotNull(raw, "snapshot without a mark");
          AppliedMark mark = AppliedMark.decode(raw);
          assertEquals(index, mark.appliedIndex(), snapshot.toString());
          assertEquals(Long.parseLong(m.group(1)), mark.appliedTerm(), snapshot.toString());
          copy.verifyIntegrity();
          // Entries are this replica's puts after its first, leader-change entry: the copy holds
          // a prefix of the puts, ending where its index says.
          int present = 0;
          while (present < written && copy.get(key(present)) != null) {
            present++;
          }
          for (int i = present; i < written; i++) {
            assertEquals(null, copy.get(key(i)), "the copy is not a prefix of the commits");
          }
          assertTrue(present > 0, "the snapshot holds no commit");
          assertArrayEquals(new byte[1_000 + present - 1], copy.get(key(present - 1)));
        }
        checked++;
      }
    }
    assertEquals(1, checked, "one snapshot is kept");
    // Reopened, the replica starts from its snapshot and log and holds every commit.
    try (TestCluster c = TestCluster.open(dir.resolve("g"), 1, options)) {
      for (int i = 0; i < written; i++) {
        assertArrayEquals(new byte[1_000 + i], c.replicas[0].get(key(i)), "key " + i);
      }
      c.replicas[0].verifyIntegrity();
    }
  }

  private static byte[] key(int i) {
    return String.format("k%05d", i).getBytes(StandardCharsets.UTF_8);
  }

  private static Path smDirectory(Path replica) throws Exception {
    try (Stream<Path> files = Files.walk(replica.resolve("raft"))) {
      List<Path> sm = files.filter(p -> p.getFileName().toString().equals("sm")).toList();
      assertEquals(1, sm.size(), "state machine directories " + sm);
      return sm.get(0);
    }
  }
}
