package dev.strata.tck.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.Durability;
import dev.strata.api.EngineFailedException;
import dev.strata.api.EngineOptions;
import dev.strata.api.StorageEngine;
import dev.strata.api.StorageEngines;
import dev.strata.api.StorageException;
import dev.strata.api.StorageFullException;
import dev.strata.tck.reliability.FaultyFileIO.Fault;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fault injection at every I/O call of a commit, for engines that open their files through {@link
 * EngineOptions#fileIO()} (one-line subclass, {@code engine()} returns the name).
 *
 * <p>A recording pass numbers the mutating I/O calls (writes, syncs, truncations, renames,
 * directory syncs) of one commit on a store holding a few committed transactions. Then, for every
 * call index and every fault that applies to that call (failing write, short write, full disk on a
 * write; failing sync on a file or directory sync), a fresh store gets the same history and the
 * fault: the commit must throw a {@link StorageException} ({@link StorageFullException} for a full
 * disk); the live engine must still show exactly the committed state; the next write either
 * succeeds (the engine continues) or throws {@link EngineFailedException} (it refuses writes); and
 * a reopen without faults must verify and show the committed state plus that write, or, only when
 * the engine refused writes after a failed sync, the failed transaction whole (its commit record
 * reached the file before the sync failed). Which of the two each engine does is printed per fault.
 */
public abstract class FaultInjectionHarness extends EngineHarness {
  private static final int HISTORY = 3;
  private static final ModelWorkload WORKLOAD = new ModelWorkload(60, 1, 3, 1, 3000);

  @TempDir Path dir;

  @Test
  void everyFault_atEveryIoCallOfACommit_isTypedAndLosesNothing() throws Exception {
    FaultyFileIO probe = new FaultyFileIO();
    List<FaultyFileIO.Call> commitCalls;
    try (StorageEngine e = open(dir.resolve("probe"), probe)) {
      TreeMap<byte[], byte[]> model = ModelWorkload.model();
      for (int t = 0; t < HISTORY; t++) {
        WORKLOAD.commit(e, t, model);
      }
      probe.record(true);
      WORKLOAD.commit(e, HISTORY, model);
      probe.record(false);
      commitCalls = probe.calls();
    }
    assertTrue(!commitCalls.isEmpty(), "the commit made no I/O call through the FileIO seam");
    long firstIndex = commitCalls.get(0).index();
    Map<Fault, int[]> tally = new EnumMap<>(Fault.class);
    int scenarios = 0;
    for (FaultyFileIO.Call call : commitCalls) {
      for (Fault fault : Fault.values()) {
        if (fault.appliesTo(call.op())) {
          int[] t = tally.computeIfAbsent(fault, f -> new int[4]);
          Path store = dir.resolve("s" + scenarios++);
          runScenario(store, fault, call.index() - firstIndex, t);
          ModelWorkload.deleteTree(store);
        }
      }
    }
    StringBuilder summary = new StringBuilder();
    tally.forEach(
        (f, t) ->
            summary
                .append(' ')
                .append(f)
                .append("=injected:")
                .append(t[0])
                .append(",continued:")
                .append(t[1])
                .append(",refusedWrites:")
                .append(t[2])
                .append(",failedTxnWholeAfterReopen:")
                .append(t[3]));
    System.out.println(
        "RELIABILITY fault engine="
            + engine()
            + " ioCallsPerCommit="
            + commitCalls.size()
            + " scenarios="
            + scenarios
            + summary
            + " ackedLost=0"
            + " corruptions=0");
  }

  /** Tally slots: 0 injected, 1 continued, 2 refused writes, 3 failed txn whole after reopen. */
  private void runScenario(Path store, Fault fault, long offset, int[] tally) throws Exception {
    FaultyFileIO io = new FaultyFileIO();
    TreeMap<byte[], byte[]> before = ModelWorkload.model();
    TreeMap<byte[], byte[]> after;
    boolean refused;
    String label = engine() + " " + fault + " at call +" + offset;
    try (StorageEngine e = open(store, io)) {
      for (int t = 0; t < HISTORY; t++) {
        WORKLOAD.commit(e, t, before);
      }
      after = new TreeMap<>(before);
      io.arm(fault, io.callCount() + offset);
      StorageException failure = null;
      TreeMap<byte[], byte[]> attempt = new TreeMap<>(after);
      try {
        WORKLOAD.commit(e, HISTORY, attempt);
      } catch (StorageException x) {
        failure = x;
      }
      after = attempt;
      if (io.firedOn() == null) {
        // The recorded call sequence shifted (no applicable call at or after the index): nothing
        // was injected, so there is nothing to check beyond a normal commit.
        return;
      }
      tally[0]++;
      assertNotNull(failure, label + ": the commit returned although an I/O call failed");
      if (fault == Fault.DISK_FULL) {
        assertInstanceOf(StorageFullException.class, failure, label + ": " + failure);
      }
      assertEquals(
          ModelWorkload.render(before),
          ModelWorkload.render(ModelWorkload.content(e)),
          label + ": live state after the failure");
      byte[] k = "z/after".getBytes(StandardCharsets.US_ASCII);
      try {
        e.put(k, new byte[] {7});
        before.put(k, new byte[] {7});
        after.put(k, new byte[] {7});
        refused = false;
        tally[1]++;
        e.verifyIntegrity();
        assertEquals(
            ModelWorkload.render(before),
            ModelWorkload.render(ModelWorkload.content(e)),
            label + ": state after the next write");
      } catch (EngineFailedException x) {
        refused = true;
        tally[2]++;
      }
    }
    try (StorageEngine e = open(store, null)) {
      e.verifyIntegrity();
      String seen = ModelWorkload.render(ModelWorkload.content(e));
      if (!seen.equals(ModelWorkload.render(before))) {
        assertTrue(
            refused && seen.equals(ModelWorkload.render(after)),
            label
                + ": reopened state is neither"
                + " the committed state nor (after a refused write) the failed txn whole");
        tally[3]++;
      }
      e.put("z/reopen".getBytes(StandardCharsets.US_ASCII), new byte[] {8});
      e.verifyIntegrity();
    }
  }

  private StorageEngine open(Path store, FaultyFileIO io) {
    return StorageEngines.open(engine(), store, options(Durability.SYNC, io));
  }
}
