package dev.strata.btree;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.CorruptionException;
import dev.strata.api.UnsupportedFormatException;
import dev.strata.api.WriteTxn;
import dev.strata.btree.format.PageFormat;
import dev.strata.freelist.Freelist;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.BitSet;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The stored freelist as a snapshot plus a chain of per-commit deltas ({@link FreelistLog}). */
class FreelistLogTest {
  @TempDir Path dir;

  /** 1 KiB pages and 400-byte values (one overflow page each), every other key deleted. */
  private static TreeMap<byte[], byte[]> fragment(BTreeEngine e, int keys) {
    TreeMap<byte[], byte[]> model = new TreeMap<>(java.util.Arrays::compareUnsigned);
    try (WriteTxn t = e.beginWrite()) {
      for (int i = 0; i < keys; i++) {
        t.put(TestSupport.key(i), TestSupport.value(i, 400));
        model.put(TestSupport.key(i), TestSupport.value(i, 400));
      }
      t.commit();
    }
    try (WriteTxn t = e.beginWrite()) {
      for (int i = 0; i < keys; i += 2) {
        t.delete(TestSupport.key(i));
        model.remove(TestSupport.key(i));
      }
      t.commit();
    }
    return model;
  }

  private static BitSet storedFree(BTreeEngine e) {
    Freelist fl = e.store.freelist;
    BitSet free = new BitSet();
    for (long p = 2; p < e.store.meta.highWater(); p++) {
      if (fl.isFree(p) || fl.isPending(p)) {
        free.set((int) p);
      }
    }
    return free;
  }

  private static void put(BTreeEngine e, SplittableRandom r, TreeMap<byte[], byte[]> model) {
    byte[] k = TestSupport.key(r.nextInt(10_000));
    byte[] v = TestSupport.value(r.nextInt(), 1 + r.nextInt(500));
    e.put(k, v);
    model.put(k, v);
  }

  @ParameterizedTest(name = "freelist={0}")
  @ValueSource(strings = {"hash", "array"})
  void smallCommitsOnALargeFreelist_appendDeltas_andReopenReadsTheSameFreelist(String kind) {
    SplittableRandom r = TestSupport.random("smallCommitsOnALargeFreelist");
    TreeMap<byte[], byte[]> model;
    BitSet before;
    try (BTreeEngine e = TestSupport.open(dir, "btree.pageSize", "1024", "btree.freelist", kind)) {
      model = fragment(e, 4000);
      for (int c = 0; c < 20; c++) {
        put(e, r, model);
      }
      assertTrue(e.store.chain.depth() > 0, "small commits should append deltas");
      e.verifyIntegrity();
      before = storedFree(e);
    }
    try (BTreeEngine e = TestSupport.open(dir, "btree.freelist", kind)) {
      assertTrue(e.store.chain.depth() > 0);
      assertEquals(before, storedFree(e));
      e.verifyIntegrity();
      FaultInjectionTest.assertContent(e, model);
      for (int c = 0; c < 20; c++) {
        put(e, r, model);
      }
      e.verifyIntegrity();
    }
  }

  @Test
  void deltasOutweighingTheSnapshot_writeANewSnapshotAndFreeTheChain() {
    SplittableRandom r = TestSupport.random("deltasOutweighingTheSnapshot");
    TreeMap<byte[], byte[]> model = new TreeMap<>(java.util.Arrays::compareUnsigned);
    try (BTreeEngine e = TestSupport.openNoSync(dir, "btree.freelistLogPercent", "300")) {
      int maxDepth = 0;
      boolean snapshotAfterDeltas = false;
      for (int c = 0; c < 300; c++) {
        put(e, r, model);
        int depth = e.store.chain.depth();
        snapshotAfterDeltas |= depth == 0 && maxDepth > 0;
        maxDepth = Math.max(maxDepth, depth);
        e.verifyIntegrity();
      }
      assertTrue(maxDepth > 0 && snapshotAfterDeltas, "max depth " + maxDepth);
      FaultInjectionTest.assertContent(e, model);
    }
  }

  @Test
  void logPercentZero_alwaysWritesASnapshot() {
    SplittableRandom r = TestSupport.random("logPercentZero");
    TreeMap<byte[], byte[]> model;
    try (BTreeEngine e =
        TestSupport.openNoSync(dir, "btree.pageSize", "1024", "btree.freelistLogPercent", "0")) {
      model = fragment(e, 2000);
      for (int c = 0; c < 10; c++) {
        put(e, r, model);
        assertEquals(0, e.store.chain.depth());
      }
      e.verifyIntegrity();
    }
  }

  @Test
  void chainReachingItsLimit_writesASnapshot() {
    SplittableRandom r = TestSupport.random("chainReachingItsLimit");
    TreeMap<byte[], byte[]> model;
    try (BTreeEngine e =
        TestSupport.openNoSync(
            dir, "btree.pageSize", "1024", "btree.freelistLogPercent", "1000000")) {
      model = fragment(e, 2000);
      for (int c = 0; c < FreelistLog.MAX_CHAIN + 5; c++) {
        put(e, r, model);
        assertTrue(e.store.chain.depth() <= FreelistLog.MAX_CHAIN);
      }
      e.verifyIntegrity();
    }
    try (BTreeEngine e = TestSupport.open(dir)) {
      e.verifyIntegrity();
      FaultInjectionTest.assertContent(e, model);
    }
  }

  @Test
  void switchingFreelistSyncOffAndOn_freesTheChainAndStartsAFreshSnapshot() {
    SplittableRandom r = TestSupport.random("switchingFreelistSync");
    TreeMap<byte[], byte[]> model;
    try (BTreeEngine e = TestSupport.open(dir, "btree.pageSize", "1024")) {
      model = fragment(e, 2000);
      put(e, r, model);
      put(e, r, model);
      assertTrue(e.store.chain.depth() > 0);
    }
    try (BTreeEngine e = TestSupport.open(dir, "btree.freelistSync", "false")) {
      e.verifyIntegrity();
      put(e, r, model);
      assertEquals(0L, e.store.meta.freelistPage());
      e.verifyIntegrity();
    }
    try (BTreeEngine e = TestSupport.open(dir)) {
      put(e, r, model);
      assertEquals(0, e.store.chain.depth());
      put(e, r, model);
      e.verifyIntegrity();
      FaultInjectionTest.assertContent(e, model);
    }
  }

  /**
   * A damaged delta of the stored chain fails the open. The damaged one is not the newest: a run
   * the last one-sync commit wrote that does not verify reads as a commit cut short by a power
   * loss, and open rolls back past it instead (see {@code OneSyncCrashTest}).
   */
  @Test
  void flippedByteInADelta_openThrowsCorruptionNamingThePage() throws IOException {
    long head;
    try (BTreeEngine e = TestSupport.open(dir, "btree.pageSize", "1024")) {
      fragment(e, 2000);
      e.put(TestSupport.key(1), new byte[] {1});
      assertTrue(e.store.chain.depth() > 0);
      head = e.store.meta.freelistPage();
      e.put(TestSupport.key(2), new byte[] {2});
      assertTrue(e.store.chain.depth() > 1, "the damaged delta stays in the chain");
    }
    overwrite(head * 1024 + PageFormat.HEADER_SIZE + FreelistLog.DELTA_FIELDS + 3, (byte) 0x5A);
    CorruptionException ex = assertThrows(CorruptionException.class, () -> TestSupport.open(dir));
    assertTrue(ex.getMessage().contains("page " + head), ex.getMessage());
  }

  @Test
  void formatVersion1Store_openThrowsUnsupportedFormat() throws IOException {
    try (BTreeEngine e = TestSupport.open(dir)) {
      e.put(new byte[] {1}, new byte[] {1});
    }
    for (int page = 0; page < 2; page++) {
      ByteBuffer b = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);
      try (FileChannel ch = channel()) {
        ch.read(b, page * 4096L);
        b.putInt(40, 1);
        PageFormat.seal(b);
        b.position(0);
        ch.write(b, page * 4096L);
      }
    }
    UnsupportedFormatException ex =
        assertThrows(UnsupportedFormatException.class, () -> TestSupport.open(dir));
    assertTrue(ex.getMessage().contains("version 1"), ex.getMessage());
  }

  private FileChannel channel() throws IOException {
    return FileChannel.open(
        dir.resolve(Store.FILE_NAME), StandardOpenOption.READ, StandardOpenOption.WRITE);
  }

  private void overwrite(long offset, byte value) throws IOException {
    try (FileChannel ch = channel()) {
      ByteBuffer one = ByteBuffer.allocate(1);
      ch.read(one, offset);
      one.put(0, (byte) (one.get(0) ^ value)).position(0);
      ch.write(one, offset);
    }
  }

  /**
   * Two snapshots of one length at one page differ in their run checksum when different commits
   * wrote them, as a commit record needs to tell a lost snapshot write from the snapshot the page
   * held before. The serialized freelist ends with its own CRC32C, which makes the CRC32C over it
   * the same for any content of one length: only the writer's txid in the header tells them apart.
   */
  @Test
  void snapshotsOfOneLengthAtOnePage_differInChecksum_whenDifferentCommitsWroteThem() {
    Freelist first = Freelist.ofFreeRuns(new long[] {10, 1, 13, 1}, 4, Freelist.Kind.HASH);
    Freelist second = Freelist.ofFreeRuns(new long[] {12, 1, 18, 1}, 4, Freelist.Kind.HASH);
    assertEquals(first.serializedSize(), second.serializedSize());
    ByteBuffer a = FreelistLog.encodeSnapshot(first, 17, 1, 5, 4096);
    ByteBuffer sameWriter = FreelistLog.encodeSnapshot(second, 17, 1, 5, 4096);
    ByteBuffer b = FreelistLog.encodeSnapshot(second, 17, 1, 7, 4096);
    assertTrue(a.compareTo(sameWriter) != 0, "different content");
    assertEquals(
        CommitRecord.crcOf(a),
        CommitRecord.crcOf(sameWriter),
        "a CRC32C over bytes and their own CRC32C does not depend on the bytes");
    assertTrue(
        CommitRecord.crcOf(a) != CommitRecord.crcOf(b), "the writer's txid tells them apart");
    assertEquals(7, b.getInt(PageFormat.OFF_WRITER));
  }
}
