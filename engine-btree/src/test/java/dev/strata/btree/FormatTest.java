package dev.strata.btree;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.CorruptionException;
import dev.strata.api.UnsupportedFormatException;
import dev.strata.btree.format.Meta;
import dev.strata.btree.format.NodeView;
import dev.strata.btree.format.PageFormat;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Page and meta encodings, checksums, and what open does with damaged or foreign files. */
class FormatTest {
  @TempDir Path dir;

  /**
   * A leaf whose last value ends with its own CRC32C (a checksummed record, as many applications
   * store) has a run checksum that does not depend on that value: two such leaves at one page
   * differ in their checksum only through the writer's txid, which is what lets a commit record
   * tell a lost write from the older run left on the page.
   */
  @Test
  void runsEndingWithTheirOwnCrc_differInChecksumByWriter() {
    byte[] first = selfChecked(1);
    byte[] second = selfChecked(2);
    ByteBuffer a = leafWith(first, 5);
    ByteBuffer sameWriter = leafWith(second, 5);
    ByteBuffer b = leafWith(second, 6);
    assertFalse(a.equals(sameWriter), "different content");
    assertEquals(CommitRecord.crcOf(a), CommitRecord.crcOf(sameWriter));
    assertTrue(CommitRecord.crcOf(a) != CommitRecord.crcOf(b));
    assertEquals(6, b.getInt(PageFormat.OFF_WRITER));
  }

  /** 60 seeded bytes followed by their CRC32C, little-endian. */
  private static byte[] selfChecked(long seed) {
    byte[] v = TestSupport.value(seed, 64);
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    crc.update(v, 0, 60);
    ByteBuffer.wrap(v, 60, 4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) crc.getValue());
    return v;
  }

  private static ByteBuffer leafWith(byte[] lastValue, long writer) {
    List<Node.Entry> entries = new ArrayList<>();
    entries.add(new Node.Entry(new byte[] {1}, new byte[] {7}, 0, 1));
    entries.add(new Node.Entry(new byte[] {2}, lastValue, 0, lastValue.length));
    return Node.encode(true, entries, 17, 4096, 1024, writer);
  }

  @Test
  void leafNode_roundTripsThroughEncoding() {
    List<Node.Entry> entries = new ArrayList<>();
    entries.add(new Node.Entry(new byte[] {1}, new byte[0], 0, 0));
    entries.add(new Node.Entry(new byte[] {2, 3}, new byte[] {9, 9, 9}, 0, 3));
    entries.add(new Node.Entry(new byte[] {(byte) 0xFF}, null, 77, 5000));
    ByteBuffer b = Node.encode(true, entries, 42, 4096, 1024, 0);
    NodeView v = new NodeView(b, 0, 42, 1);
    assertTrue(v.isLeaf());
    assertEquals(3, v.count());
    assertArrayEquals(new byte[] {2, 3}, v.keyAt(1));
    assertArrayEquals(new byte[] {9, 9, 9}, v.inlineValue(1));
    assertArrayEquals(new byte[0], v.inlineValue(0));
    assertTrue(v.isOverflow(2));
    assertEquals(77, v.overflowPage(2));
    assertEquals(5000, v.valueLength(2));
    assertEquals(0, v.compareKeyAt(1, new byte[] {2, 3}));
    assertTrue(v.compareKeyAt(2, new byte[] {1}) > 0, "0xFF sorts after 0x01 (unsigned)");
    assertEquals(PageFormat.crc(b, 4, v.used()), b.getInt(PageFormat.OFF_CRC));
  }

  @Test
  void branchNode_roundTripsAndSearches() {
    List<Node.Entry> entries = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      entries.add(new Node.Entry(new byte[] {(byte) (i * 10)}, null, 100 + i, 0));
    }
    NodeView v = new NodeView(Node.encode(false, entries, 5, 1024, 256, 0), 0, 5, 1);
    assertFalse(v.isLeaf());
    assertEquals(103, v.childAt(3));
    assertEquals(0, v.childIndex(new byte[] {0}));
    assertEquals(3, v.childIndex(new byte[] {35}));
    assertEquals(9, v.childIndex(new byte[] {(byte) 200}));
  }

  @Test
  void meta_roundTripsAndRejectsAFlippedBit() {
    Meta m = new Meta(4096, 7, 9, 2, 100, 12345);
    ByteBuffer b = m.encode(1);
    assertEquals(m, Meta.decode(b, 1, "f"));
    assertNull(Meta.decode(b, 0, "f"), "a meta names its own page");
    b.put(80, (byte) (b.get(80) ^ 1));
    assertNull(Meta.decode(b, 1, "f"));
  }

  @Test
  void metaWithACommitRecord_roundTrips_andInconsistentRecordFieldsAreInvalid() {
    Meta m = new Meta(4096, 7, 9, 2, 100, 12345, 40, 2, 0x1234_5678);
    assertTrue(m.oneSync());
    ByteBuffer b = m.encode(0);
    assertEquals(Meta.FORMAT_VERSION, b.getInt(40));
    assertEquals(120, b.getInt(PageFormat.OFF_USED), "version 4 metas use 120 bytes");
    assertEquals(2, b.getInt(68), "flag bit 1: one-sync");
    Meta.Page page = Meta.decodePage(b, 0, "f");
    assertEquals(m, page.meta());
    assertNull(page.unsyncedBoot(), "a one-sync meta is a synced one");
    assertNull(Meta.decode(resealed(b, 104, 0L), 0, "f"), "one-sync flag without a record page");
    assertNull(Meta.decode(resealed(b, 104, 99L), 0, "f"), "a record past the high-water mark");
    ByteBuffer plain = new Meta(4096, 7, 9, 2, 100, 12345).encode(0);
    assertEquals(0, plain.getInt(68));
    assertNull(Meta.decode(resealed(plain, 104, 40L), 0, "f"), "a record without the flag");
    ByteBuffer both = m.encode(0).duplicate().order(ByteOrder.LITTLE_ENDIAN);
    both.putInt(68, 3);
    PageFormat.seal(both);
    assertNull(Meta.decode(both, 0, "f"), "unsynced and one-sync at once");
    assertThrows(IllegalArgumentException.class, () -> m.encode(0, new byte[16]));
    b.put(116, (byte) (b.get(116) ^ 1));
    assertNull(Meta.decode(b, 0, "f"), "the record's checksum is covered by the meta's");
  }

  private static ByteBuffer resealed(ByteBuffer meta, int offset, long value) {
    ByteBuffer b = ByteBuffer.allocate(meta.capacity()).order(ByteOrder.LITTLE_ENDIAN);
    b.put(meta.duplicate().position(0)).position(0);
    b.putLong(offset, value);
    PageFormat.seal(b);
    return b;
  }

  /**
   * A store of format version 2 or 3 (same pages, shorter metas without a commit record) opens,
   * reads and checks clean, and its next commit writes a version 4 meta that syncs once.
   */
  @org.junit.jupiter.params.ParameterizedTest(name = "version {0}")
  @org.junit.jupiter.params.provider.ValueSource(ints = {2, 3})
  void olderVersionStore_opens_andItsNextCommitWritesVersion4(int version) throws IOException {
    try (BTreeEngine e = TestSupport.open(dir, "btree.commitSyncs", "2")) {
      for (int i = 0; i < 300; i++) {
        e.put(TestSupport.key(i), TestSupport.value(i, i % 50 == 0 ? 5000 : 70));
      }
    }
    for (int page = 0; page < 2; page++) {
      ByteBuffer b = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);
      try (FileChannel ch =
          FileChannel.open(file(), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
        ch.read(b, page * 4096L);
        assertEquals(Meta.FORMAT_VERSION, b.getInt(40));
        int used = version == 2 ? 88 : 104;
        b.putInt(40, version);
        b.putInt(PageFormat.OFF_USED, used);
        for (int i = used; i < 120; i++) {
          b.put(i, (byte) 0);
        }
        PageFormat.seal(b);
        b.position(0);
        ch.write(b, page * 4096L);
      }
    }
    try (BTreeEngine e = TestSupport.open(dir)) {
      for (int i = 0; i < 300; i += 7) {
        assertArrayEquals(TestSupport.value(i, i % 50 == 0 ? 5000 : 70), e.get(TestSupport.key(i)));
      }
      e.verifyIntegrity();
      e.put(TestSupport.key(1000), new byte[] {1});
      assertTrue(e.store.meta.oneSync());
      e.verifyIntegrity();
    }
    int newest;
    try (FileChannel ch = FileChannel.open(file(), StandardOpenOption.READ)) {
      MetaSelector.Selected selected = MetaSelector.select(ch, file());
      newest = selected.slot();
      assertTrue(selected.meta().oneSync());
    }
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file()), newest * 4096, 4096);
    assertEquals(4, b.slice().order(ByteOrder.LITTLE_ENDIAN).getInt(40));
    try (BTreeEngine e = TestSupport.open(dir)) {
      assertArrayEquals(new byte[] {1}, e.get(TestSupport.key(1000)));
      e.verifyIntegrity();
    }
  }

  @Test
  void tornMetaPage_previousMetaIsUsed() throws IOException {
    try (BTreeEngine e = TestSupport.open(dir)) {
      e.put(new byte[] {1}, new byte[] {1});
      e.put(new byte[] {2}, new byte[] {2});
    }
    long txid;
    try (FileChannel ch = FileChannel.open(file(), StandardOpenOption.READ)) {
      txid = MetaSelector.read(ch, file()).txid();
    }
    // The newest meta lives in page txid % 2; tear it mid-content.
    overwrite(file(), (txid % 2) * 4096 + 60, new byte[] {0x5A, 0x5A, 0x5A, 0x5A});
    try (BTreeEngine e = TestSupport.open(dir)) {
      assertArrayEquals(new byte[] {1}, e.get(new byte[] {1}));
      assertNull(e.get(new byte[] {2}), "the commit whose meta was torn is gone");
      e.verifyIntegrity();
      e.put(new byte[] {3}, new byte[] {3});
      e.verifyIntegrity();
    }
  }

  @Test
  void bothMetaPagesDamaged_openThrowsCorruption() throws IOException {
    try (BTreeEngine e = TestSupport.open(dir)) {
      e.put(new byte[] {1}, new byte[] {1});
    }
    overwrite(file(), 40, new byte[] {1, 2, 3});
    overwrite(file(), 4096 + 40, new byte[] {1, 2, 3});
    CorruptionException ex = assertThrows(CorruptionException.class, () -> TestSupport.open(dir));
    assertTrue(ex.getMessage().contains("meta"), ex.getMessage());
  }

  @Test
  void garbageFile_openThrowsCorruption() throws IOException {
    Files.write(file(), new byte[20000]);
    assertThrows(CorruptionException.class, () -> TestSupport.open(dir));
  }

  @Test
  void newerFormatVersion_openThrowsUnsupportedFormat() throws IOException {
    try (BTreeEngine e = TestSupport.open(dir)) {
      e.put(new byte[] {1}, new byte[] {1});
    }
    for (int page = 0; page < 2; page++) {
      ByteBuffer b = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);
      try (FileChannel ch =
          FileChannel.open(file(), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
        ch.read(b, page * 4096L);
        b.putInt(40, Meta.FORMAT_VERSION + 1);
        PageFormat.seal(b);
        b.position(0);
        ch.write(b, page * 4096L);
      }
    }
    assertThrows(UnsupportedFormatException.class, () -> TestSupport.open(dir));
  }

  /**
   * With two syncs per commit, a damaged page of the last commit is damage: open keeps the meta,
   * and the read names the page. (With one sync, damage to the last commit's runs cannot be told
   * from a commit cut short by a power loss: see {@link
   * #flippedByteInAPageTheLastCommitWrote_oneSync_openRollsBackToThePreviousCommit}.)
   */
  @Test
  void flippedByteInDataPage_readThrowsCorruptionNamingThePage() throws IOException {
    long root;
    try (BTreeEngine e = TestSupport.open(dir, "btree.commitSyncs", "2")) {
      e.put(new byte[] {1}, new byte[] {1});
      root = e.store.meta.root();
    }
    overwrite(file(), root * 4096 + PageFormat.HEADER_SIZE + 5, new byte[] {(byte) 0xEE});
    try (BTreeEngine e = TestSupport.open(dir, "btree.commitSyncs", "2")) {
      CorruptionException ex = assertThrows(CorruptionException.class, () -> e.get(new byte[] {1}));
      assertTrue(ex.getMessage().contains("page " + root), ex.getMessage());
      CorruptionException check = assertThrows(CorruptionException.class, e::verifyIntegrity);
      assertTrue(check.getMessage().contains("page " + root), check.getMessage());
    }
  }

  @Test
  void flippedByteInAPageTheLastCommitWrote_oneSync_openRollsBackToThePreviousCommit()
      throws IOException {
    long root;
    try (BTreeEngine e = TestSupport.open(dir)) {
      e.put(new byte[] {1}, new byte[] {1});
      e.put(new byte[] {2}, new byte[] {2});
      root = e.store.meta.root();
    }
    overwrite(file(), root * 4096 + PageFormat.HEADER_SIZE + 5, new byte[] {(byte) 0xEE});
    try (BTreeEngine e = TestSupport.open(dir)) {
      assertArrayEquals(new byte[] {1}, e.get(new byte[] {1}));
      assertNull(e.get(new byte[] {2}), "the last commit's runs do not verify: rolled back");
      e.verifyIntegrity();
    }
  }

  @Test
  void flippedByteInLeafUnderBranches_getThrowsCorruptionNamingTheLeaf() throws IOException {
    long leaf;
    byte[] inLeaf;
    byte[] elsewhere;
    try (BTreeEngine e = TestSupport.open(dir)) {
      e.update(
          t -> {
            for (int i = 0; i < 5000; i++) {
              t.put(TestSupport.key(i), TestSupport.value(i, 50));
            }
            return null;
          });
      long high = e.store.meta.highWater();
      NodeView n = e.store.file.node(e.store.meta.root(), high, true);
      assertFalse(n.isLeaf(), "5000 entries of 50 B need branches");
      NodeView other = e.store.file.node(n.childAt(n.count() - 1), high, true);
      while (!n.isLeaf()) {
        n = e.store.file.node(n.childAt(0), high, true);
        other = other.isLeaf() ? other : e.store.file.node(other.childAt(0), high, true);
      }
      leaf = n.pgid;
      inLeaf = n.keyAt(n.count() - 1);
      elsewhere = other.keyAt(0);
      // A later commit on the far side of the tree: the damaged leaf is not one it wrote.
      e.put(TestSupport.key(4999), TestSupport.value(1, 50));
      assertTrue(e.store.meta.oneSync());
    }
    overwrite(file(), leaf * 4096 + PageFormat.HEADER_SIZE + 2, new byte[] {(byte) 0x5A});
    try (BTreeEngine e = TestSupport.open(dir)) {
      CorruptionException ex = assertThrows(CorruptionException.class, () -> e.get(inLeaf));
      assertTrue(ex.getMessage().contains("page " + leaf), ex.getMessage());
      assertTrue(ex.getMessage().contains("checksum"), ex.getMessage());
      assertEquals(50, e.get(elsewhere).length, "pages off the damaged path still read");
      assertThrows(CorruptionException.class, () -> e.get(inLeaf), "the damage is not forgotten");
    }
  }

  @Test
  void keysLongerThanAPage_getReadsMultiPageNodes() {
    try (BTreeEngine e = TestSupport.open(dir)) {
      e.update(
          t -> {
            for (int i = 0; i < 40; i++) {
              t.put(bigKey(i), TestSupport.value(i, 30));
            }
            return null;
          });
      for (int i = 0; i < 40; i++) {
        assertArrayEquals(TestSupport.value(i, 30), e.get(bigKey(i)), "key " + i);
      }
      assertNull(e.get(bigKey(40)));
      assertNull(e.get(new byte[] {0}));
      e.verifyIntegrity();
    }
  }

  private static byte[] bigKey(int i) {
    byte[] k = new byte[6000];
    java.util.Arrays.fill(k, (byte) (i * 3 + 1));
    return k;
  }

  @Test
  void flippedByteInOverflowRun_readThrowsCorruptionNamingThePage() throws IOException {
    try (BTreeEngine e = TestSupport.open(dir)) {
      e.put(new byte[] {1}, TestSupport.value(1, 20_000));
      e.put(new byte[] {2}, new byte[] {2});
    }
    long overflow;
    try (BTreeEngine e = TestSupport.open(dir)) {
      NodeView leaf = e.store.file.node(e.store.meta.root(), e.store.meta.highWater(), true);
      overflow = leaf.overflowPage(0);
    }
    overwrite(file(), overflow * 4096 + 4096 * 2 + 17, new byte[] {(byte) 0x11});
    try (BTreeEngine e = TestSupport.open(dir)) {
      CorruptionException ex = assertThrows(CorruptionException.class, () -> e.get(new byte[] {1}));
      assertTrue(ex.getMessage().contains("page " + overflow), ex.getMessage());
    }
  }

  @Test
  void differentPageSizeOnReopen_isIgnored() {
    try (BTreeEngine e = TestSupport.open(dir, "btree.pageSize", "8192")) {
      e.put(new byte[] {1}, new byte[] {1});
    }
    try (BTreeEngine e = TestSupport.open(dir, "btree.pageSize", "1024")) {
      assertEquals(8192, e.stats().get("pageSize"));
      assertArrayEquals(new byte[] {1}, e.get(new byte[] {1}));
    }
  }

  private Path file() {
    return dir.resolve(Store.FILE_NAME);
  }

  static void overwrite(Path file, long offset, byte[] bytes) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(bytes), offset);
    }
  }
}
