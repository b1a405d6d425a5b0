package dev.strata.tck.reliability;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.Durability;
import dev.strata.api.EngineOptions;
import dev.strata.api.StorageEngine;
import dev.strata.api.StorageEngines;
import dev.strata.tck.reliability.FaultyFileIO.Call;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash-point replay for engines that write through {@link EngineOptions#fileIO()} (one-line
 * subclass, {@code engine()} returns the name).
 *
 * <p>A workload of {@code -Dstrata.replay.txns} SYNC transactions (10 in CI, 50 under {@code
 * -Preliability}) runs on a new store through a recording {@link FaultyFileIO}: every write, sync,
 * truncation, file creation, rename, deletion and directory sync, from the store's creation on.
 * Then, for every crash point {@code p} (before call {@code p}, for every {@code p} up to the end),
 * it builds the files a crash there could leave ({@link CrashImages}: writes not yet made durable
 * by a file sync and creations, renames and deletions not yet made durable by a directory sync may
 * be lost, in every combination for small sets and sampled for larger ones, and the last write may
 * be torn) and opens them with the real file system. Each image must open, pass {@link
 * StorageEngine#verifyIntegrity()}, and hold exactly the state after some committed prefix of the
 * workload that includes every transaction whose commit returned before the crash point. Files the
 * store wrote around the seam are in no image; the summary line lists them ({@code
 * filesOutsideSeam}). Seeded; the seed is printed. A second test checks that the replay fails an
 * engine whose directory syncs are silently lost.
 */
public abstract class CrashPointReplay extends EngineHarness {
  private static final ModelWorkload SMALL = new ModelWorkload(3, 2, 2, 4, 5000);

  /** Wide transactions with large values: trees of several levels, splits, overflow, reuse. */
  private static final ModelWorkload LARGE = new ModelWorkload(60, 3, 2, 3, 6000);

  /** Every how many crash points of the large workload one is replayed. */
  private static final int LARGE_SAMPLE = 3;

  @TempDir Path dir;

  @Test
  void everyCrashPoint_recoversToACommittedPrefixHoldingEveryAcknowledgedTxn() throws Exception {
    long seed = seed();
    int txns = Integer.getInteger("strata.replay.txns", 10);
    announce("CrashPointReplay", txns + " txns", seed);
    System.out.println(replay(SMALL, txns, 1, seed, dir.resolve("replay"), new FaultyFileIO()));
  }

  /**
   * The same check on a larger workload ({@code -Dstrata.replay.largeTxns} transactions of 60 puts
   * and 30 deletes, 10 in CI and 100 under {@code -Preliability}), at a seeded third of its crash
   * points.
   */
  @Test
  void sampledCrashPointsOfALargerWorkload_recoverToACommittedPrefix() throws Exception {
    long seed = seed();
    int txns = Integer.getInteger("strata.replay.largeTxns", 10);
    announce("CrashPointReplay", txns + " wide txns", seed);
    System.out.println(
        replay(LARGE, txns, LARGE_SAMPLE, seed, dir.resolve("large"), new FaultyFileIO()));
  }

  /**
   * Keeps the kit honest: an engine whose directory syncs silently do nothing (so new files are
   * never durable) must fail the replay with a lost acknowledged transaction.
   */
  @Test
  void replay_catchesAnEngineWhoseDirectorySyncsAreLost() {
    FaultyFileIO io = new FaultyFileIO();
    io.skipDirectorySyncs();
    AssertionError caught =
        assertThrows(
            AssertionError.class, () -> replay(SMALL, 3, 1, seed(), dir.resolve("skipping"), io));
    assertTrue(
        caught.getMessage().contains("was acknowledged"),
        "expected a lost acknowledged txn, got: " + caught.getMessage());
  }

  /**
   * Records {@code txns} transactions of {@code workload} through {@code io}, replays every crash
   * point ({@code sample} 1) or a seeded one in {@code sample}, and returns the summary line.
   *
   * @throws AssertionError naming the crash point and image of the first violation
   */
  private String replay(
      ModelWorkload workload, int txns, int sample, long seed, Path root, FaultyFileIO io)
      throws IOException {
    SplittableRandom random = new SplittableRandom(seed);
    Path recorded = root.resolve("recorded");
    io.record(true);
    Map<String, Integer> stateToTxn = new HashMap<>();
    long[] ackCount = new long[txns];
    TreeMap<byte[], byte[]> model = ModelWorkload.model();
    stateToTxn.put(ModelWorkload.render(model), -1);
    try (StorageEngine e = StorageEngines.open(engine(), recorded, options(Durability.SYNC, io))) {
      for (int t = 0; t < txns; t++) {
        workload.commit(e, t, model);
        ackCount[t] = io.callCount();
        stateToTxn.put(ModelWorkload.render(model), t);
      }
    }
    List<Call> calls = io.calls();
    List<String> outsideSeam = filesOutsideSeam(recorded, calls);
    long images = 0;
    long metadataLost = 0;
    long points = 0;
    for (int p = 0; p <= calls.size(); p++) {
      if (sample > 1 && random.nextInt(sample) != 0) {
        continue;
      }
      points++;
      int required = -1;
      for (int t = 0; t < txns; t++) {
        if (ackCount[t] <= calls.get(0).index() + p) {
          required = t;
        }
      }
      for (CrashImages.Image image : CrashImages.at(calls, p, random)) {
        images++;
        metadataLost += image.losesMetadata() ? 1 : 0;
        Path target = root.resolve("image");
        image.materialise(recorded, target);
        String label =
            engine()
                + " crash before call "
                + p
                + " of "
                + calls.size()
                + " ("
                + image.description()
                + ", seed "
                + seed
                + ")";
        try (StorageEngine e =
            StorageEngines.open(engine(), target, options(Durability.SYNC, null))) {
          e.verifyIntegrity();
          Integer t = stateToTxn.get(ModelWorkload.render(ModelWorkload.content(e)));
          assertTrue(t != null, label + ": the state is no committed prefix");
          assertTrue(
              t >= required,
              label + ": recovered to txn " + t + " but txn " + required + " was acknowledged");
        } catch (RuntimeException x) {
          throw new AssertionError(label + ": " + x, x);
        }
        ModelWorkload.deleteTree(target);
      }
    }
    return "RELIABILITY replay engine="
        + engine()
        + " workload="
        + (workload == SMALL ? "small" : "large")
        + " txns="
        + txns
        + " ioCalls="
        + calls.size()
        + " crashPoints="
        + points
        + " of "
        + (calls.size() + 1)
        + " imagesOpened="
        + images
        + " imagesLosingMetadata="
        + metadataLost
        + " filesOutsideSeam="
        + outsideSeam
        + " ackedLost=0 corruptions=0 seed="
        + seed;
  }

  /**
   * Lists the files the store holds that it did not write through the seam (lock files aside): no
   * crash image contains them, so what a crash does to them is not replayed. Printed so a gap in an
   * engine's use of the seam shows in every run.
   */
  private static List<String> filesOutsideSeam(Path recorded, List<Call> calls) throws IOException {
    Set<Path> seen = CrashImages.everything(calls).files(recorded).keySet();
    try (Stream<Path> files = Files.walk(recorded)) {
      return files
          .filter(Files::isRegularFile)
          .map(recorded::relativize)
          .filter(
              p ->
                  !seen.contains(p)
                      && !p.getFileName().toString().toLowerCase(Locale.ROOT).contains("lock"))
          .map(Path::toString)
          .sorted()
          .toList();
    }
  }
}
