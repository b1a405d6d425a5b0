package dev.strata.btree;

import dev.strata.btree.format.PageFormat;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a node that outgrew its page is cut at commit. Two rules, chosen by how the committing
 * transaction inserted into the node:
 *
 * <ul>
 *   <li><b>Scattered inserts</b> (random puts, a load that comes back to fill the gaps between its
 *       keys): the fewest parts that hold the node at no more than {@code fillPercent} of a page
 *       each, its bytes spread evenly over them. A page that overflowed by one entry becomes two
 *       halves, as LMDB's split makes; a leaf that took a page's worth of inserts in one commit
 *       becomes two nearly full pages instead of four half-full ones. bbolt instead closes a part
 *       as soon as it reaches the fill factor, which leaves every part of such a leaf half full,
 *       and the next commit into the same key range rewrites twice the pages.
 *   <li><b>One run of inserts</b> (a load in key order, a log keyed by sequence): full pages up to
 *       the run's end, and what follows the run starts a page, since later inserts go past the run
 *       again and room left before it would stay empty.
 * </ul>
 *
 * <p>Every part holds enough entries (one for a leaf, two for a branch, so a new root always has
 * fewer entries than the level below) and fits a page unless one entry alone is larger. Stateless.
 */
final class NodeSplit {
  private NodeSplit() {}

  /**
   * The parts {@code n}'s entries go to: the node's own list when it fits a page (or has too few
   * entries to split), else new lists in key order.
   *
   * @param fillPercent the most of a page a part of a scattered split fills (0.1..1.0)
   * @param runEnd the index after the transaction's run of inserts ({@link Node#insertRunEnd}), or
   *     -1 for scattered inserts
   */
  static List<List<Node.Entry>> parts(
      Node n, int pageSize, double fillPercent, int maxInline, int runEnd) {
    int minEntries = n.isLeaf() ? 1 : 2;
    ArrayList<Node.Entry> entries = n.entries();
    long size = n.size(maxInline);
    if (size <= pageSize || entries.size() < 2 * minEntries) {
      List<List<Node.Entry>> whole = new ArrayList<>(1);
      whole.add(entries);
      return whole;
    }
    return cut(n.isLeaf(), entries, size, pageSize, fillPercent, maxInline, minEntries, runEnd);
  }

  /**
   * Both rules in one pass. A part ends before an entry that would not fit the page, before entry
   * {@code runEnd} (a run's split), or before the entry whose middle would pass the part's share.
   * After a run the share is a whole page, which the page limit reaches first: full pages. For
   * scattered inserts each part aims at an equal share of the bytes not yet placed, over as few
   * parts as keep each under the fill factor, so a part cut short by a large entry does not leave
   * the rest unbalanced.
   */
  private static List<List<Node.Entry>> cut(
      boolean leaf,
      List<Node.Entry> entries,
      long size,
      int pageSize,
      double fillPercent,
      int maxInline,
      int minEntries,
      int runEnd) {
    boolean run = runEnd >= 0;
    long room = pageSize - PageFormat.HEADER_SIZE;
    long perPart =
        run
            ? room
            : Math.max(1, Math.min(room, (long) (pageSize * fillPercent) - PageFormat.HEADER_SIZE));
    long remaining = size - PageFormat.HEADER_SIZE;
    long share = run ? room : share(remaining, Math.max(2, ceilDiv(remaining, perPart)), perPart);
    List<List<Node.Entry>> parts = new ArrayList<>();
    List<Node.Entry> current = new ArrayList<>();
    long currentBytes = 0;
    long previousBytes = 0;
    for (int i = 0; i < entries.size(); i++) {
      Node.Entry e = entries.get(i);
      int s = Node.entrySize(leaf, e, maxInline);
      // Twice the entry's middle against twice the share, so odd sizes need no fractions.
      if (current.size() >= minEntries
          && (i == runEnd || currentBytes + s > room || 2 * currentBytes + s > 2 * share)) {
        parts.add(current);
        remaining -= currentBytes;
        previousBytes = currentBytes;
        current = new ArrayList<>();
        currentBytes = 0;
        if (!run) {
          share = share(remaining, ceilDiv(remaining, perPart), perPart);
        }
      }
      current.add(e);
      currentBytes += s;
    }
    closeLast(
        parts,
        current,
        PageFormat.HEADER_SIZE + currentBytes,
        PageFormat.HEADER_SIZE + previousBytes,
        pageSize,
        minEntries,
        run);
    return parts;
  }

  /** An equal share of {@code remaining} bytes over {@code parts} parts (at least one). */
  private static long share(long remaining, long parts, long perPart) {
    return Math.min(perPart, ceilDiv(remaining, Math.max(1, parts)));
  }

  private static long ceilDiv(long a, long b) {
    return (a + b - 1) / b;
  }

  /**
   * Adds the last part, or folds it into the one before when it has too few entries, or (after a
   * run, whose last part is what is left over) is a sliver under a quarter page; folding happens
   * only where the two fit one page.
   */
  private static void closeLast(
      List<List<Node.Entry>> parts,
      List<Node.Entry> last,
      long lastSize,
      long previousSize,
      int pageSize,
      int minEntries,
      boolean foldSlivers) {
    if (!parts.isEmpty()) {
      List<Node.Entry> previous = parts.get(parts.size() - 1);
      boolean fits = previousSize + lastSize - PageFormat.HEADER_SIZE <= pageSize;
      boolean small = last.size() < minEntries || foldSlivers && lastSize < pageSize / 4;
      if (small && (fits || last.size() < minEntries)) {
        previous.addAll(last);
        return;
      }
    }
    parts.add(last);
  }
}
