package dev.strata.ledger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.CorruptionException;
import dev.strata.api.EngineOptions;
import dev.strata.ledger.format.LedgerHashes;
import dev.strata.ledger.format.RecordFormat;
import dev.strata.ledger.index.IndexCheckpoint;
import dev.strata.ledger.log.SegmentLog;
import dev.strata.ledger.log.SyncMark;
import dev.strata.ledger.merkle.MerkleStore;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Torn tails, lost derived files, segment rotation and read-only recovery. */
class RecoveryTest {
  private static final EngineOptions SMALL_SEGMENTS =
      EngineOptions.builder().set("ledger.segmentBytes", "4KiB").build();

  @TempDir Path tmp;

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static void commitTxns(LedgerEngine e, int from, int to) {
    for (int t = from; t < to; t++) {
      int txn = t;
      e.update(
          w -> {
            w.put(b("key" + txn), b("value" + txn));
            w.put(b("shared"), b("s" + txn));
            if (txn % 3 == 0) {
              w.delete(b("key" + (txn - 1)));
            }
            return null;
          });
    }
  }

  private static void assertHolds(LedgerEngine e, int txns) {
    for (int t = 0; t < txns; t++) {
      boolean deleted = (t + 1) % 3 == 0 && t + 1 < txns;
      if (deleted) {
        assertNull(e.get(b("key" + t)), "key" + t + " deleted");
      } else {
        assertArrayEquals(b("value" + t), e.get(b("key" + t)), "key" + t);
      }
    }
    assertArrayEquals(b("s" + (txns - 1)), e.get(b("shared")));
  }

  @Test
  void tornTail_atEveryCutPointOfTheLastBlock_isCutAndThePreviousCommitSurvives() throws Exception {
    for (boolean keepCheckpoint : new boolean[] {true, false}) {
      Path base = tmp.resolve("base-" + keepCheckpoint);
      LedgerDigest before;
      try (LedgerEngine e = LedgerEngine.open(base, EngineOptions.defaults())) {
        commitTxns(e, 0, 10);
        before = e.digest();
      }
      Path longer = tmp.resolve("longer-" + keepCheckpoint);
      LedgerFiles.copyDir(base, longer);
      try (LedgerEngine e = LedgerEngine.open(longer, EngineOptions.defaults())) {
        commitTxns(e, 10, 11);
      }
      byte[] full = Files.readAllBytes(LedgerFiles.segment(longer, 0));
      long committedEnd = Files.size(LedgerFiles.segment(base, 0));
      for (int cut = (int) committedEnd + 1; cut < full.length; cut++) {
        Path dir = tmp.resolve("cut");
        LedgerFiles.deleteDir(dir);
        LedgerFiles.copyDir(base, dir);
        if (!keepCheckpoint) {
          Files.delete(dir.resolve(IndexCheckpoint.FILE));
        }
        Files.write(LedgerFiles.segment(dir, 0), Arrays.copyOf(full, cut));
        try (LedgerEngine e = LedgerEngine.open(dir, EngineOptions.defaults())) {
          assertEquals(committedEnd, Files.size(LedgerFiles.segment(dir, 0)), "cut at " + cut);
          assertEquals(before, e.digest(), "cut at " + cut);
          assertHolds(e, 10);
          e.verifyIntegrity();
          commitTxns(e, 10, 12);
        }
        try (LedgerEngine e = LedgerEngine.open(dir, EngineOptions.defaults())) {
          assertHolds(e, 12);
          e.verifyIntegrity();
          e.verify(before);
        }
      }
    }
  }

  @Test
  void zeroFilledTail_isCut() throws Exception {
    Path dir = tmp.resolve("zeros");
    try (LedgerEngine e = LedgerEngine.open(dir, EngineOptions.defaults())) {
      commitTxns(e, 0, 5);
    }
    Path segment = LedgerFiles.segment(dir, 0);
    long size = Files.size(segment);
    Files.write(segment, new byte[4096], java.nio.file.StandardOpenOption.APPEND);
    try (LedgerEngine e = LedgerEngine.open(dir, EngineOptions.defaults())) {
      assertEquals(size, Files.size(segment));
      assertHolds(e, 5);
      e.verifyIntegrity();
    }
  }

  @Test
  void readOnlyOpen_ofATornStore_servesTheCommittedStateAndChangesNoFile() throws Exception {
    Path dir = tmp.resolve("ro");
    try (LedgerEngine e = LedgerEngine.open(dir, EngineOptions.defaults())) {
      commitTxns(e, 0, 40);
    }
    Files.delete(dir.resolve(IndexCheckpoint.FILE));
    Files.delete(dir.resolve(MerkleStore.NODES_FILE));
    Path segment = LedgerFiles.segment(dir, 0);
    Files.write(segment, new byte[] {9, 0, 0, 0, 1, 2}, java.nio.file.StandardOpenOption.APPEND);
    byte[] onDisk = Files.readAllBytes(segment);
    try (LedgerEngine e =
        LedgerEngine.open(
            dir, EngineOptions.builder().readOnly(true).createIfMissing(false).build())) {
      assertHolds(e, 40);
      e.verifyIntegrity();
      LedgerDigest d = e.digest();
      InclusionProof p = e.proveInclusion(17, d.size());
      assertTrue(LedgerProofs.verifyInclusion(e.entry(17), p, d));
    }
    assertArrayEquals(onDisk, Files.readAllBytes(segment));
    assertTrue(Files.notExists(dir.resolve(IndexCheckpoint.FILE)));
  }

  /** Commits 300 transactions over several 4 KiB segments, closes, and returns the digest. */
  private static LedgerDigest storeOf300Txns(Path dir) {
    try (LedgerEngine e = LedgerEngine.open(dir, SMALL_SEGMENTS)) {
      commitTxns(e, 0, 300);
      assertTrue(e.stats().get("segments").intValue() > 5, e.stats().toString());
      e.verifyIntegrity();
      return e.digest();
    }
  }

  @Test
  void manySegments_reopenWithAndWithoutDerivedFiles_giveTheSameDigest() throws Exception {
    Path dir = tmp.resolve("segments");
    LedgerDigest digest = storeOf300Txns(dir);
    for (String lose :
        new String[] {
          "nothing", IndexCheckpoint.FILE, MerkleStore.NODES_FILE, MerkleStore.CHUNKS_FILE
        }) {
      if (!lose.equals("nothing")) {
        Files.delete(dir.resolve(lose));
      }
      try (LedgerEngine e = LedgerEngine.open(dir, SMALL_SEGMENTS)) {
        assertEquals(digest, e.digest(), "after losing " + lose);
        assertHolds(e, 300);
        e.verifyIntegrity();
        e.verify(digest);
        assertEquals(300, e.history(b("shared")).size());
        assertArrayEquals(b("s150"), e.getAt(b("shared"), 2 * 150 + 150 / 3 + 1));
      }
    }
  }

  @Test
  void flippedByteInADerivedFile_isIgnoredAndRebuilt_withTheSameDigest() throws Exception {
    Path dir = tmp.resolve("derived");
    LedgerDigest digest = storeOf300Txns(dir);
    for (String file :
        new String[] {IndexCheckpoint.FILE, MerkleStore.CHUNKS_FILE, MerkleStore.NODES_FILE}) {
      Path path = dir.resolve(file);
      if (!Files.exists(path)) {
        continue;
      }
      byte[] bytes = Files.readAllBytes(path);
      for (int at : new int[] {0, bytes.length / 2, bytes.length - 1}) {
        byte[] flipped = bytes.clone();
        flipped[at] ^= 0x10;
        Files.write(path, flipped);
        try (LedgerEngine e = LedgerEngine.open(dir, SMALL_SEGMENTS)) {
          assertEquals(digest, e.digest(), file + " byte " + at);
          assertHolds(e, 300);
          e.verifyIntegrity();
        }
      }
    }
  }

  /**
   * Regression: a flipped byte in the first record of the only segment, with no checkpoint, used to
   * be taken for a torn tail and cut the whole history away.
   */
  @Test
  void damagedRecordFollowedByIntactCommits_isReportedAndNothingIsCut() throws Exception {
    Path dir = tmp.resolve("damaged");
    try (LedgerEngine e = LedgerEngine.open(dir, EngineOptions.defaults())) {
      commitTxns(e, 0, 10);
    }
    Files.delete(dir.resolve(IndexCheckpoint.FILE));
    Path segment = LedgerFiles.segment(dir, 0);
    byte[] bytes = Files.readAllBytes(segment);
    bytes[SegmentLog.HEADER + 20] ^= 1;
    Files.write(segment, bytes);
    CorruptionException thrown =
        assertThrows(
            CorruptionException.class,
            () -> LedgerEngine.open(dir, EngineOptions.defaults()).close());
    assertTrue(thrown.getMessage().contains("nothing was cut"), thrown.getMessage());
    assertArrayEquals(bytes, Files.readAllBytes(segment));
  }

  /**
   * Regression: the checkpoint's version was read before its checksum, so one flipped bit in that
   * field of a derived file refused the store as one from a newer library.
   */
  @Test
  void checkpointWithADamagedVersionField_isIgnoredAndTheLogReplayed() throws Exception {
    Path dir = tmp.resolve("checkpoint-version");
    try (LedgerEngine e = LedgerEngine.open(dir, EngineOptions.defaults())) {
      commitTxns(e, 0, 10);
      e.writer.writeCheckpoint();
    }
    Path checkpoint = dir.resolve(IndexCheckpoint.FILE);
    byte[] bytes = Files.readAllBytes(checkpoint);
    bytes[8] ^= 2;
    Files.write(checkpoint, bytes);
    try (LedgerEngine e = LedgerEngine.open(dir, EngineOptions.defaults())) {
      assertHolds(e, 10);
      e.verifyIntegrity();
    }
  }

  /**
   * Regression: a torn block whose value holds 38 bytes shaped like an intact commit marker must
   * not be taken for damaged history followed by a later commit (a store refusing to open with
   * TamperException). The torn block lies past the sync mark, so it is cut whatever it holds.
   */
  @Test
  void tornBlockWhoseValueHoldsMarkerShapedBytes_isCutAsATornTail() throws Exception {
    Path base = tmp.resolve("marker-base");
    try (LedgerEngine e = LedgerEngine.open(base, EngineOptions.defaults())) {
      e.put(b("a"), b("1"));
    }
    long committed = Files.size(LedgerFiles.segment(base, 0));
    byte[] value = new byte[4096];
    Arrays.fill(value, (byte) 'x');
    ByteBuffer fake = ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN).position(64);
    RecordFormat.putCommit(fake, new byte[LedgerHashes.SIZE]);
    Path longer = tmp.resolve("marker-longer");
    LedgerFiles.copyDir(base, longer);
    try (LedgerEngine e = LedgerEngine.open(longer, EngineOptions.defaults())) {
      e.put(b("b"), value);
    }
    byte[] whole = Files.readAllBytes(LedgerFiles.segment(longer, 0));
    for (int kept : new int[] {300, 2000, whole.length - (int) committed - 1}) {
      Path dir = tmp.resolve("marker-crash-" + kept);
      LedgerFiles.copyDir(base, dir);
      Files.write(LedgerFiles.segment(dir, 0), Arrays.copyOf(whole, (int) committed + kept));
      try (LedgerEngine e = LedgerEngine.open(dir, EngineOptions.defaults())) {
        assertArrayEquals(b("1"), e.get(b("a")));
        assertNull(e.get(b("b")));
        e.verifyIntegrity();
      }
      assertEquals(committed, Files.size(LedgerFiles.segment(dir, 0)), "cut back to the commit");
    }
  }

  /**
   * Regression: NO_SYNC blocks the kernel wrote back out of order before a power loss (the first
   * lost, a later one kept) must not be taken for damage followed by a later commit, which would
   * keep the store from opening. Nothing after the last sync is history yet: it is cut.
   */
  @Test
  void unsyncedBlockLostBeforeAKeptOne_isCutAsATornTail() throws Exception {
    Path base = tmp.resolve("lost-base");
    try (LedgerEngine e = LedgerEngine.open(base, EngineOptions.defaults())) {
      e.put(b("a"), b("1"));
    }
    long committed = Files.size(LedgerFiles.segment(base, 0));
    Path longer = tmp.resolve("lost-longer");
    LedgerFiles.copyDir(base, longer);
    long afterFirst;
    EngineOptions noSync =
        EngineOptions.builder().durability(dev.strata.api.Durability.NO_SYNC).build();
    try (LedgerEngine e = LedgerEngine.open(longer, noSync)) {
      e.put(b("b"), new byte[5000]);
      afterFirst = e.log.end();
      e.put(b("c"), b("3"));
    }
    byte[] whole = Files.readAllBytes(LedgerFiles.segment(longer, 0));
    Arrays.fill(whole, (int) committed, (int) SegmentLog.offsetOf(afterFirst), (byte) 0);
    Path dir = tmp.resolve("lost-crash");
    LedgerFiles.copyDir(base, dir);
    Files.write(LedgerFiles.segment(dir, 0), whole);
    try (LedgerEngine e = LedgerEngine.open(dir, EngineOptions.defaults())) {
      assertArrayEquals(b("1"), e.get(b("a")));
      assertNull(e.get(b("b")));
      assertNull(e.get(b("c")));
      e.verifyIntegrity();
    }
    // The intact commit after the hole might have been acknowledged history damaged after a lost
    // mark, so the cut bytes are kept beside the segment.
    Path kept =
        LedgerFiles.segment(dir, 0)
            .resolveSibling(LedgerFiles.segment(dir, 0).getFileName() + ".cut-" + committed);
    assertArrayEquals(
        Arrays.copyOfRange(whole, (int) committed, whole.length), Files.readAllBytes(kept));
  }

  /**
   * Regression: commits a crash left in the kernel's cache but never synced must not become visible
   * on replay before they are synced, or a power loss soon after takes back what readers have seen.
   * A writable open syncs them first.
   */
  @Test
  void unsyncedTailReplayedAtOpen_isSyncedBeforeItIsVisible() throws Exception {
    Path base = tmp.resolve("unsynced-base");
    try (LedgerEngine e = LedgerEngine.open(base, EngineOptions.defaults())) {
      e.put(b("a"), b("1"));
    }
    Path longer = tmp.resolve("unsynced-longer");
    LedgerFiles.copyDir(base, longer);
    try (LedgerEngine e = LedgerEngine.open(longer, EngineOptions.defaults())) {
      e.put(b("b"), b("2"));
    }
    Path dir = tmp.resolve("unsynced-crash");
    LedgerFiles.copyDir(base, dir);
    byte[] whole = Files.readAllBytes(LedgerFiles.segment(longer, 0));
    Files.write(LedgerFiles.segment(dir, 0), whole);
    long before = SyncMark.read(dir, System.getLogger("test"));
    assertTrue(
        before < SegmentLog.position(0, whole.length), "the image's mark is behind: " + before);
    try (LedgerEngine e = LedgerEngine.open(dir, EngineOptions.defaults())) {
      assertEquals(
          SegmentLog.position(0, whole.length), SyncMark.read(dir, System.getLogger("test")));
      assertArrayEquals(b("2"), e.get(b("b")));
    }
  }

  /** A log shorter than the position recorded as synced lost synced history: reported, not cut. */
  @Test
  void logCutBelowTheSyncedMark_isReportedAsTruncation() throws Exception {
    Path dir = tmp.resolve("cut");
    long nine;
    try (LedgerEngine e = LedgerEngine.open(dir, EngineOptions.defaults())) {
      commitTxns(e, 0, 9);
      nine = e.log.end();
      commitTxns(e, 9, 10);
    }
    Files.delete(dir.resolve(IndexCheckpoint.FILE));
    Path segment = LedgerFiles.segment(dir, 0);
    byte[] bytes = Files.readAllBytes(segment);
    Files.write(segment, Arrays.copyOf(bytes, (int) SegmentLog.offsetOf(nine)));
    dev.strata.api.TamperException thrown =
        assertThrows(
            dev.strata.api.TamperException.class,
            () -> LedgerEngine.open(dir, EngineOptions.defaults()).close());
    assertTrue(thrown.getMessage().contains(SyncMark.FILE), thrown.getMessage());
  }

  @Test
  void missingMiddleSegment_isReportedNotCut() throws Exception {
    Path dir = tmp.resolve("gap");
    try (LedgerEngine e = LedgerEngine.open(dir, SMALL_SEGMENTS)) {
      commitTxns(e, 0, 200);
    }
    Files.delete(LedgerFiles.segment(dir, 1));
    assertThrows(CorruptionException.class, () -> LedgerEngine.open(dir, SMALL_SEGMENTS).close());
  }

  /**
   * Found by the reliability kit's crash-point replay: a kill between creating the store's first
   * segment and writing its header left a store that no longer opened.
   */
  @Test
  void open_afterCrashDuringStoreCreation_startsAnEmptyStore() throws Exception {
    Path dir = tmp.resolve("torn-create");
    Files.createDirectories(dir);
    Files.write(LedgerFiles.segment(dir, 0), new byte[12]);
    try (LedgerEngine e = LedgerEngine.open(dir, EngineOptions.defaults())) {
      assertNull(e.get(b("k")));
      e.put(b("k"), b("v"));
      e.verifyIntegrity();
    }
    try (LedgerEngine e = LedgerEngine.open(dir, EngineOptions.defaults())) {
      assertArrayEquals(b("v"), e.get(b("k")));
    }
  }
}
