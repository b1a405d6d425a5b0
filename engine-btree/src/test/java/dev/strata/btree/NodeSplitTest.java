package dev.strata.btree;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.btree.format.PageFormat;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link NodeSplit}: a node of scattered inserts goes to the fewest pages within the fill factor,
 * evenly; a run of inserts fills pages up to its end; every part fits a page and keeps its minimum
 * entry count; the parts together are the node's entries in order.
 */
class NodeSplitTest {
  private static final int PAGE = 4096;
  private static final int MAX_INLINE = TreeUpdate.maxInline(PAGE);

  /** Leaf entry of a 16-byte key and a 100-byte value: 125 bytes with its slot. */
  private static final int ENTRY = Node.entrySize(true, leafEntry(0, 100), MAX_INLINE);

  private static final int PER_PAGE = (PAGE - PageFormat.HEADER_SIZE) / ENTRY;

  @Test
  void aPageThatOverflowedByOneEntry_becomesTwoHalves() {
    Node n = leaf(PER_PAGE + 1, 100);
    List<List<Node.Entry>> parts = NodeSplit.parts(n, PAGE, 1.0, MAX_INLINE, -1);
    assertEquals(2, parts.size());
    assertTrue(Math.abs(parts.get(0).size() - parts.get(1).size()) <= 1, sizes(parts).toString());
    checkParts(n, parts, 1.0);
  }

  @Test
  void aLeafThatTookAPageOfScatteredInserts_becomesTwoFullPages_notFourHalfPages() {
    Node n = leaf(2 * PER_PAGE, 100);
    List<List<Node.Entry>> parts = NodeSplit.parts(n, PAGE, 1.0, MAX_INLINE, -1);
    assertEquals(List.of(PER_PAGE, PER_PAGE), sizes(parts));
    checkParts(n, parts, 1.0);
  }

  @Test
  void aLowerFillPercent_capsEachPart_withTheFewestPartsThatAllows() {
    Node n = leaf(2 * PER_PAGE, 100);
    long payload = n.size(MAX_INLINE) - PageFormat.HEADER_SIZE;
    long perPart = PAGE / 2 - PageFormat.HEADER_SIZE;
    List<List<Node.Entry>> parts = NodeSplit.parts(n, PAGE, 0.5, MAX_INLINE, -1);
    assertEquals((payload + perPart - 1) / perPart, parts.size(), sizes(parts).toString());
    checkParts(n, parts, 0.5);
  }

  @Test
  void aRunOfInserts_fillsPagesUpToItsEnd_andWhatFollowsStartsAPage() {
    Node n = leaf(2 * PER_PAGE + 10, 100);
    int runEnd = 2 * PER_PAGE - 5;
    List<List<Node.Entry>> parts = NodeSplit.parts(n, PAGE, 1.0, MAX_INLINE, runEnd);
    assertEquals(List.of(PER_PAGE, PER_PAGE - 5, 15), sizes(parts));
    checkParts(n, parts, 1.0);
  }

  @Test
  void aNodeThatFitsItsPage_isOnePart_itsOwnList() {
    Node n = leaf(PER_PAGE, 100);
    List<List<Node.Entry>> parts = NodeSplit.parts(n, PAGE, 0.5, MAX_INLINE, -1);
    assertEquals(1, parts.size());
    assertSame(n.entries(), parts.get(0));
  }

  @Test
  void branchParts_holdAtLeastTwoEntries() {
    // Keys of 1,000 bytes: four branch entries outgrow a page.
    ArrayList<Node.Entry> entries = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      byte[] key = new byte[1000];
      key[0] = (byte) i;
      entries.add(new Node.Entry(key, null, 100 + i, 0));
    }
    Node n = new Node(false, entries);
    List<List<Node.Entry>> parts = NodeSplit.parts(n, PAGE, 1.0, MAX_INLINE, -1);
    assertEquals(2, parts.size(), sizes(parts).toString());
    for (List<Node.Entry> p : parts) {
      assertTrue(p.size() >= 2, sizes(parts).toString());
    }
    checkParts(n, parts, 1.0);
  }

  @Test
  void randomEntrySizes_partsAreEven_fitAPage_andKeepTheOrder() {
    SplittableRandom r = TestSupport.random("NodeSplitTest.randomEntrySizes");
    for (int round = 0; round < 2_000; round++) {
      double fill = r.nextInt(4) == 0 ? 0.1 + r.nextDouble() * 0.9 : 1.0;
      int maxValue = r.nextBoolean() ? 200 : MAX_INLINE;
      ArrayList<Node.Entry> entries = new ArrayList<>();
      int count = r.nextInt(2, 200);
      for (int i = 0; i < count; i++) {
        entries.add(leafEntry(i, r.nextInt(0, maxValue + 1)));
      }
      Node n = new Node(true, entries);
      List<Node.Entry> before = new ArrayList<>(entries);
      List<List<Node.Entry>> parts = NodeSplit.parts(n, PAGE, fill, MAX_INLINE, -1);
      String what = "round " + round + ", fill " + fill + ", sizes " + sizes(parts);
      assertEquals(before, flatten(parts), what);
      if (n.size(MAX_INLINE) <= PAGE) {
        assertEquals(1, parts.size(), what);
        continue;
      }
      checkParts(n, parts, fill);
      // Even, no slivers: every part holds at least half a part's bytes, less two entries.
      long largest = largestEntry(n);
      if (4 * largest > (long) (PAGE * fill)) {
        continue;
      }
      long perPart = (long) (PAGE * fill) - PageFormat.HEADER_SIZE;
      List<Long> partBytes = new ArrayList<>();
      parts.forEach(p -> partBytes.add(bytes(p, true)));
      for (long b : partBytes) {
        assertTrue(
            b >= perPart / 2 - 2 * largest,
            what + ", bytes " + partBytes + ", largest entry " + largest);
      }
    }
  }

  /**
   * Every part fits a page, holds an entry and stays within the fill factor but for one entry; with
   * entries small against a part, the count is within an eighth (and two) of the fewest that keep
   * each part within the fill factor.
   */
  private static void checkParts(Node n, List<List<Node.Entry>> parts, double fill) {
    long payload = n.size(MAX_INLINE) - PageFormat.HEADER_SIZE;
    long perPart = Math.max(1, (long) (PAGE * fill) - PageFormat.HEADER_SIZE);
    long fewest = Math.max(2, (payload + perPart - 1) / perPart);
    assertTrue(parts.size() >= 2, sizes(parts).toString());
    // Entry boundaries cost parts: each part ends at most half an entry short of its share, and a
    // share is at least (k - 1) / k of a part with k parts left, so with entries under a quarter
    // of a part every part but the last few holds at least 7/8 of one.
    if (4 * largestEntry(n) <= perPart) {
      long bound = fewest + fewest / 7 + 2;
      assertTrue(parts.size() <= bound, "parts " + sizes(parts) + ", fewest " + fewest);
    }
    for (List<Node.Entry> p : parts) {
      long bytes = bytes(p, n.isLeaf());
      assertTrue(!p.isEmpty());
      assertTrue(PageFormat.HEADER_SIZE + bytes <= PAGE, "part of " + bytes + " bytes");
      assertTrue(bytes <= perPart + largestEntry(n), "part of " + bytes + " bytes, fill " + fill);
    }
  }

  private static long largestEntry(Node n) {
    long largest = 0;
    for (Node.Entry e : n.entries()) {
      largest = Math.max(largest, Node.entrySize(n.isLeaf(), e, MAX_INLINE));
    }
    return largest;
  }

  private static long bytes(List<Node.Entry> part, boolean leaf) {
    long b = 0;
    for (Node.Entry e : part) {
      b += Node.entrySize(leaf, e, MAX_INLINE);
    }
    return b;
  }

  private static Node leaf(int count, int valueSize) {
    ArrayList<Node.Entry> entries = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      entries.add(leafEntry(i, valueSize));
    }
    return new Node(true, entries);
  }

  private static Node.Entry leafEntry(int i, int valueSize) {
    byte[] key = ByteBuffer.allocate(16).putLong(8, i).array();
    return new Node.Entry(key, new byte[valueSize], 0, valueSize);
  }

  private static List<Integer> sizes(List<List<Node.Entry>> parts) {
    List<Integer> s = new ArrayList<>();
    for (List<Node.Entry> p : parts) {
      s.add(p.size());
    }
    return s;
  }

  private static List<Node.Entry> flatten(List<List<Node.Entry>> parts) {
    List<Node.Entry> all = new ArrayList<>();
    parts.forEach(all::addAll);
    return all;
  }
}
