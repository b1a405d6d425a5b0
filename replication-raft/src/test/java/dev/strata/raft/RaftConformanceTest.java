package dev.strata.raft;

import dev.strata.api.EngineOptions;
import dev.strata.api.Limits;
import dev.strata.api.StorageEngine;
import dev.strata.tck.StorageEngineContract;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.MethodDescriptor;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.MethodOrdererContext;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * Runs the conformance suite, unchanged, against a three-replica {@code raft} group over {@code
 * btree} on loopback: every engine the suite opens is a whole group whose first replica it talks to
 * (see {@link TestCluster}).
 *
 * <p>Every test opens and closes whole groups two or three times, and most of that time is spent
 * waiting (a first election, Ratis' log writer noticing its close), not computing; so the tests run
 * concurrently (see {@code junit-platform.properties} for how many at once), each on its own
 * directories and ports.
 *
 * <p>Each replica's log keeps a direct write buffer of {@code raft.maxEntryBytes}, allocated and
 * zeroed at every open. Groups are opened with 16 MiB entries, except for the tests that store a
 * value of {@link Limits#MAX_VALUE_SIZE}, which get room for it.
 *
 * <p>The few tests that take many times longer than the rest (hundreds of commits with reopens, the
 * largest value, one group per bad-input case) start first, so they do not run alone at the end.
 */
@Execution(ExecutionMode.CONCURRENT)
@TestMethodOrder(RaftConformanceTest.LongestFirst.class)
@ExtendWith(RaftConformanceTest.TestName.class)
class RaftConformanceTest extends StorageEngineContract {
  /** The suite's tests that commit a value of {@link Limits#MAX_VALUE_SIZE}. */
  private static final Set<String> LARGEST_VALUE_TESTS = Set.of("value_ofMaxValueSize_isAccepted");

  private static final int ENTRY_BYTES = 16 << 20;
  private static final int LARGEST_ENTRY_BYTES = Limits.MAX_VALUE_SIZE + (1 << 20);

  /** The running test method's name; set before the suite's fixture opens the first group. */
  private volatile String testName = "";

  @Override
  protected StorageEngine open(Path directory, EngineOptions options) {
    if (options.readOnly()) {
      // A read-only replica does not join the group: it is opened alone.
      return TestCluster.openReadOnly(directory, options);
    }
    boolean largest = LARGEST_VALUE_TESTS.contains(testName);
    if (!options.settings().containsKey(RaftSettings.MAX_ENTRY_BYTES)) {
      options =
          options.toBuilder()
              .set(
                  RaftSettings.MAX_ENTRY_BYTES,
                  String.valueOf(largest ? LARGEST_ENTRY_BYTES : ENTRY_BYTES))
              .build();
    }
    // A 256 MiB entry written by three replicas on one loaded disk can hold the heartbeats back
    // longer than the usual election timeouts; the largest value's groups wait three times longer.
    return TestCluster.open(directory, 3, options, largest ? 3 : 1).asEngine();
  }

  @Override
  protected Map<String, String> invalidSettings() {
    return Map.of(
        "raft.reads", "sometimes",
        "raft.peers", "r1=127.0.0.1",
        "raft.electionTimeoutMinMs", "10",
        "raft.localDurability", "MAYBE");
  }

  /** Starts the longest tests first; the others keep the default order. */
  static final class LongestFirst implements MethodOrderer {
    private static final List<String> LONGEST =
        List.of(
            "randomOperations_matchTreeMapModel",
            "badInput_isRejectedWithExactTypeAndStoreUnchanged",
            "value_ofMaxValueSize_isAccepted");

    @Override
    public void orderMethods(MethodOrdererContext context) {
      context
          .getMethodDescriptors()
          .sort(
              Comparator.comparingInt(
                  (MethodDescriptor d) -> {
                    int rank = LONGEST.indexOf(d.getMethod().getName());
                    return rank < 0 ? LONGEST.size() : rank;
                  }));
    }

    @Override
    public Optional<ExecutionMode> getDefaultExecutionMode() {
      return Optional.of(ExecutionMode.CONCURRENT);
    }
  }

  /** Hands each test instance its method's name before any {@code @BeforeEach} method runs. */
  static final class TestName implements BeforeEachCallback {
    @Override
    public void beforeEach(ExtensionContext context) {
      if (context.getRequiredTestInstance() instanceof RaftConformanceTest test) {
        test.testName = context.getRequiredTestMethod().getName();
      }
    }
  }
}
