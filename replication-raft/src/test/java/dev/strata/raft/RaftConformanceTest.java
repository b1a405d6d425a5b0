package dev.strata.raft;

import dev.strata.api.EngineOptions;
import dev.strata.api.Limits;
import dev.strata.api.StorageEngine;
import dev.strata.tck.StorageEngineContract;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Tag;

/**
 * Runs the conformance suite, unchanged, against a three-replica {@code raft} group over {@code
 * btree} on loopback: every engine the suite opens is a whole group whose first replica it talks to
 * (see {@link TestCluster}).
 *
 * <p>Each test starts and stops whole groups several times (about ten seconds a test on a loaded
 * 2-core machine), so the suite runs in its own group, {@code cluster}, outside the default build:
 * {@code mvn -pl replication-raft -am verify -Preliability}, or alone with {@code
 * -Dsurefire.excludedGroups=soak -Dtest=RaftConformanceTest}.
 */
@Tag("cluster")
class RaftConformanceTest extends StorageEngineContract {
  @Override
  protected StorageEngine open(Path directory, EngineOptions options) {
    if (options.readOnly()) {
      // A read-only replica does not join the group: it is opened alone.
      return TestCluster.openReadOnly(directory, options);
    }
    if (!options.settings().containsKey(RaftSettings.MAX_ENTRY_BYTES)) {
      // The suite stores a value of Limits.MAX_VALUE_SIZE: one entry must hold it.
      options =
          options.toBuilder()
              .set(RaftSettings.MAX_ENTRY_BYTES, String.valueOf(Limits.MAX_VALUE_SIZE + (1 << 20)))
              .build();
    }
    return TestCluster.open(directory, 3, options).asEngine();
  }

  @Override
  protected Map<String, String> invalidSettings() {
    return Map.of(
        "raft.reads", "sometimes",
        "raft.peers", "r1=127.0.0.1",
        "raft.electionTimeoutMinMs", "10",
        "raft.localDurability", "MAYBE");
  }
}
