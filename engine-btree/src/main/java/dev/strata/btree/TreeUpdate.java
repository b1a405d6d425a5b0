package dev.strata.btree;

import dev.strata.btree.format.Meta;
import dev.strata.btree.format.NodeSource;
import dev.strata.btree.format.NodeView;
import dev.strata.btree.format.PageFormat;
import it.unimi.dsi.fastutil.longs.Long2ObjectOpenHashMap;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The changes of one write transaction to the tree: materialized nodes, edits, and at commit the
 * rebalance and spill that turn them into new pages (bbolt's {@code node.rebalance} and {@code
 * node.spill}). Writer-only.
 */
final class TreeUpdate {
  /**
   * Allocates runs for the spill and writes the runs it seals; implemented by the store on top of
   * the freelist and its {@link CommitWriter}.
   */
  interface Pager {
    long allocate(int pages);

    void free(long pgid, int pages);

    /**
     * Writes a sealed run (before the commit's syncs); a pooled run's buffer is the store's now.
     */
    void write(Dirty run);
  }

  /**
   * A run written by this commit.
   *
   * @param pooled whether {@code run} is a page from {@link PageBuffers}, to give back once written
   */
  record Dirty(long pgid, ByteBuffer run, boolean pooled) {
    Dirty(long pgid, ByteBuffer run) {
      this(pgid, run, false);
    }
  }

  /** The key length {@link #maxInline} leaves room for. */
  static final int INLINE_KEY_ALLOWANCE = 64;

  private static final Comparator<Node> BY_INDEX_IN_PARENT =
      Comparator.comparingInt(n -> n.indexInParent);

  private final PageFile file;
  private final Meta base;
  private final int pageSize;
  private final int maxInline;
  private final double fillPercent;
  private final PageBuffers buffers;

  /** The txid of the commit this update becomes, stamped into every run it writes. */
  private final long writer;

  // Keyed by page id without boxing: a commit of random puts touches over a thousand nodes, and the
  // boxed HashMap's puts, removes and resizes showed in the insert profile.
  private final Long2ObjectOpenHashMap<Node> nodes = new Long2ObjectOpenHashMap<>();
  private Node root;
  private long rootPgid;

  /**
   * The leaf the last put or delete reached, and the branch entries whose keys bound the keys a
   * descent routes there: at least {@code lowNode}'s key {@code lowIndex} (no bound when null) and
   * below {@code highNode}'s key {@code highIndex} (no bound when null). Branches do not change
   * before commit, and a committed branch's keys lie within the bounds its parent sets (the
   * checker's rule), so the bounds of the deepest branch that has one are the tightest: a key
   * within them reaches the same leaf without a descent. Puts of nearby keys, such as a load in key
   * order or in bands, then cost two key comparisons instead of one binary search per level.
   */
  private Node lastLeaf;

  private Node lowNode;
  private int lowIndex;
  private Node highNode;
  private int highIndex;

  /**
   * Leaf bytes (slot, element, key and inline value) the puts so far added, for {@link
   * #expectedPages}.
   */
  private long bytesPut;

  /** Pages of the overflow runs the values put so far need, for {@link #expectedPages}. */
  private long overflowPagesPut;

  /** Overflow runs of overwritten or deleted values, freed at commit: {pgid, pages}. */
  private final List<long[]> freedOverflow = new ArrayList<>();

  /**
   * @param buffers where nodes in page form get their pages (the store's, so pages written by one
   *     commit serve the next)
   */
  TreeUpdate(PageFile file, Meta base, double fillPercent, PageBuffers buffers) {
    this.file = file;
    this.buffers = buffers;
    this.base = base;
    this.pageSize = base.pageSize();
    this.maxInline = maxInline(pageSize);
    this.fillPercent = fillPercent;
    this.rootPgid = base.root();
    this.writer = base.txid() + 1;
  }

  /**
   * Values longer than this go to overflow runs: a one-page leaf still holds at least three entries
   * whose keys have up to {@value #INLINE_KEY_ALLOWANCE} bytes (a quarter page at least). At 4 KiB
   * that is 1,279 bytes, so records of about 1 KiB, a common size for metadata, stay in their leaf
   * instead of taking a page of their own.
   */
  static int maxInline(int pageSize) {
    int perEntry = (pageSize - PageFormat.HEADER_SIZE) / 3;
    return Math.max(
        pageSize / 4, perEntry - NodeView.SLOT - NodeView.LEAF_ELEMENT - INLINE_KEY_ALLOWANCE);
  }

  // ---------------------------------------------------------------- reads through the changes

  NodeSource root() {
    return root != null ? root : file.node(rootPgid, base.highWater(), false);
  }

  NodeSource child(NodeSource parent, int i) {
    long pgid = parent.childAt(i);
    Node n = parent instanceof Node ? nodes.get(pgid) : null;
    return n != null ? n : file.node(pgid, base.highWater(), false);
  }

  byte[] value(NodeSource n, int i) {
    if (!n.isOverflow(i)) {
      return n.inlineValue(i);
    }
    return file.overflowValue(n.overflowPage(i), n.valueLength(i), base.highWater());
  }

  // ---------------------------------------------------------------- edits

  /** The node of the root page, materialized on first use. */
  private Node materializeRoot() {
    if (root == null) {
      root = read(rootPgid);
    }
    return root;
  }

  /**
   * The node of {@code parent}'s child {@code i}, materialized on first use. The child's key in the
   * parent is copied only then: a put descends through nodes the transaction already holds far more
   * often than it reads a new one.
   */
  private Node materialize(Node parent, int i) {
    long pgid = parent.childAt(i);
    Node n = nodes.get(pgid);
    if (n != null) {
      return n;
    }
    n = read(pgid);
    n.parent = parent;
    n.keyInParent = parent.keyAt(i);
    n.indexInParent = i;
    parent.children.add(n);
    return n;
  }

  private Node read(long pgid) {
    Node n = Node.read(file.node(pgid, base.highWater(), false), buffers);
    nodes.put(pgid, n);
    return n;
  }

  private Node leafFor(byte[] key) {
    Node last = lastLeaf;
    if (last != null
        && (lowNode == null || lowNode.compareKeyAt(lowIndex, key) <= 0)
        && (highNode == null || highNode.compareKeyAt(highIndex, key) > 0)) {
      return last;
    }
    // Set again only once the descent succeeds: a failed read must not leave stale bounds.
    lastLeaf = null;
    Node low = null;
    Node high = null;
    int lowAt = 0;
    int highAt = 0;
    Node n = materializeRoot();
    while (!n.leaf) {
      int i = n.childIndex(key);
      // childIndex routes keys below every entry to entry 0: that entry bounds nothing below.
      if (i > 0) {
        low = n;
        lowAt = i;
      }
      if (i + 1 < n.count()) {
        high = n;
        highAt = i + 1;
      }
      n = materialize(n, i);
    }
    lowNode = low;
    lowIndex = lowAt;
    highNode = high;
    highIndex = highAt;
    lastLeaf = n;
    return n;
  }

  void put(byte[] key, byte[] value) {
    Node leaf = leafFor(key);
    int i = leaf.findNear(key);
    if (i >= 0) {
      releaseOverflow(leaf, i);
    }
    leaf.putLeaf(i, key, value, maxInline);
    boolean overflow = value.length > maxInline;
    bytesPut += Node.leafEntrySize(key.length, overflow ? -1 : value.length);
    if (overflow) {
      overflowPagesPut += overflowPages(value.length);
    }
  }

  void delete(byte[] key) {
    Node leaf = leafFor(key);
    int i = leaf.find(key);
    if (i >= 0) {
      releaseOverflow(leaf, i);
      leaf.removeAt(i);
      leaf.unbalanced = true;
    }
  }

  private void releaseOverflow(Node leaf, int i) {
    if (leaf.isOverflow(i) && leaf.overflowPage(i) != 0) {
      freedOverflow.add(new long[] {leaf.overflowPage(i), overflowPages(leaf.valueLength(i))});
    }
  }

  int overflowPages(int valueLength) {
    return PageFormat.pagesFor(PageFormat.HEADER_SIZE + (long) valueLength, pageSize);
  }

  boolean isEmpty() {
    return nodes.isEmpty() && freedOverflow.isEmpty();
  }

  /**
   * About the pages this transaction's commit writes: a page per node it changed, the pages its
   * puts add to the leaves (a node splits only at commit, so one grown by a load still counts once
   * here), and the overflow runs of its large values. Overwrites and deletes make it an
   * overestimate, merges too; it steers only when early write-back is worth asking for.
   */
  long expectedPages() {
    return nodes.size() + bytesPut / pageSize + overflowPagesPut;
  }

  // ---------------------------------------------------------------- commit

  /**
   * Rebalances and writes every changed node as new runs, freeing the runs they replace.
   *
   * @return the new root page
   */
  long spill(Pager pager) {
    // Rebalance and spill change branches: the bounds of the last leaf no longer hold.
    lastLeaf = null;
    lowNode = null;
    highNode = null;
    for (long[] run : freedOverflow) {
      pager.free(run[0], (int) run[1]);
    }
    for (Node n : new ArrayList<>(nodes.values())) {
      rebalance(n, pager);
    }
    if (root == null) {
      return rootPgid;
    }
    spillNode(root, pager);
    while (root.parent != null) {
      root = root.parent;
    }
    return rootPgid;
  }

  private void rebalance(Node n, Pager pager) {
    if (!n.unbalanced || n.removed) {
      return;
    }
    n.unbalanced = false;
    int minEntries = n.leaf ? 1 : 2;
    if (n.size(maxInline) > pageSize / 4 && n.count() >= minEntries) {
      return;
    }
    if (n.parent == null) {
      collapseRoot(n, pager);
      return;
    }
    Node parent = n.parent;
    if (n.count() == 0) {
      parent.removeKey(n.keyInParent);
      parent.children.remove(n);
      forget(n, pager);
      rebalance(parent, pager);
      return;
    }
    int at = parent.find(n.keyInParent);
    if (at < 0 || parent.count() < 2) {
      return;
    }
    if (at == 0) {
      Node next = materialize(parent, 1);
      absorb(n, next);
      parent.removeKey(next.keyInParent);
      parent.children.remove(next);
      forget(next, pager);
    } else {
      Node prev = materialize(parent, at - 1);
      absorb(prev, n);
      parent.removeKey(n.keyInParent);
      parent.children.remove(n);
      forget(n, pager);
    }
    rebalance(parent, pager);
  }

  /** Appends {@code right}'s entries and materialized children to {@code left}. */
  private static void absorb(Node left, Node right) {
    left.absorbEntries(right.entries());
    for (Node c : right.children) {
      c.parent = left;
      left.children.add(c);
    }
    right.children.clear();
  }

  /** A root branch with one child takes the child's place; an empty root branch becomes a leaf. */
  private void collapseRoot(Node n, Pager pager) {
    while (!n.leaf && n.count() <= 1) {
      if (n.count() == 0) {
        n.leaf = true;
        n.setEntries(new ArrayList<>());
        n.children.clear();
        return;
      }
      Node child = materialize(n, 0);
      n.leaf = child.leaf;
      n.setEntries(child.entries());
      n.children = child.children;
      for (Node c : n.children) {
        c.parent = n;
      }
      forget(child, pager);
    }
  }

  private void forget(Node n, Pager pager) {
    n.removed = true;
    if (n.pgid != 0) {
      nodes.remove(n.pgid);
      pager.free(n.pgid, n.pages);
      n.pgid = 0;
    }
  }

  private void spillNode(Node n, Pager pager) {
    if (!n.children.isEmpty()) {
      // Left to right: a child's split inserts its parts' entries right after its own, so each
      // child still to come finds its entry moved right by what its left siblings inserted.
      Node[] order = n.children.toArray(new Node[0]);
      Arrays.sort(order, BY_INDEX_IN_PARENT);
      int countBefore = n.count();
      for (Node c : order) {
        if (c.indexInParent >= 0) {
          c.indexInParent += n.count() - countBefore;
        }
        spillNode(c, pager);
      }
    }
    n.children.clear();
    if (n.leaf && !n.inPageForm()) {
      for (Node.Entry e : n.entries()) {
        if (e.value != null && e.value.length > maxInline) {
          writeOverflow(e, pager);
        }
      }
    }
    // A node in page form fits its page by construction: no split, no re-encoding.
    boolean inPlace = n.inPageForm();
    // A node that outgrew its page is cut by how this transaction inserted into it (NodeSplit).
    List<List<Node.Entry>> parts =
        inPlace ? null : NodeSplit.parts(n, pageSize, fillPercent, maxInline, n.insertRunEnd());
    int partCount = inPlace ? 1 : parts.size();
    if (n.pgid != 0) {
      nodes.remove(n.pgid);
      pager.free(n.pgid, n.pages);
      n.pgid = 0;
    }
    Node parent = n.parent;
    boolean newRoot = false;
    if (parent == null && partCount > 1) {
      parent = new Node(false, new ArrayList<>());
      n.parent = parent;
      newRoot = true;
    }
    int hint = n.indexInParent;
    for (int i = 0; i < partCount; i++) {
      long pgid;
      byte[] routing = null;
      if (inPlace) {
        pgid = pager.allocate(1);
        pager.write(new Dirty(pgid, n.sealPage(pgid, writer), true));
        if (parent != null) {
          routing = n.count() == 0 ? n.keyInParent : keptOrLower(n.keyInParent, n);
        }
      } else {
        List<Node.Entry> part = parts.get(i);
        long size = Node.encodedSize(n.leaf, part, maxInline);
        int pages = PageFormat.pagesFor(size, pageSize);
        pgid = pager.allocate(pages);
        pager.write(
            pages == 1
                ? new Dirty(
                    pgid, Node.encodePage(n.leaf, part, pgid, maxInline, writer, buffers), true)
                : new Dirty(pgid, Node.encode(n.leaf, part, pgid, pageSize, maxInline, writer)));
        if (part.isEmpty()) {
          routing = n.keyInParent;
        } else if (i == 0) {
          byte[] first = part.get(0).key;
          routing =
              n.keyInParent != null && Arrays.compareUnsigned(first, n.keyInParent) >= 0
                  ? n.keyInParent
                  : first;
        } else if (n.leaf) {
          List<Node.Entry> before = parts.get(i - 1);
          routing = Node.separator(before.get(before.size() - 1).key, part.get(0).key);
        } else {
          // A branch's keys are routing keys already: each is a valid bound for its new parent.
          routing = part.get(0).key;
        }
      }
      if (parent == null) {
        rootPgid = pgid;
      } else {
        hint = parent.putChild(i == 0 ? n.keyInParent : null, routing, pgid, hint) + 1;
      }
    }
    if (newRoot) {
      spillNode(parent, pager);
    }
  }

  /**
   * The routing key the parent keeps for a node that was not split: the one it had, unless the node
   * now starts below it (only a branch's first child can: a put routes every key below the branch's
   * first routing key there).
   */
  private static byte[] keptOrLower(byte[] kept, Node n) {
    return n.compareKeyAt(0, kept) < 0 ? n.keyAt(0) : kept;
  }

  private void writeOverflow(Node.Entry e, Pager pager) {
    int pages = overflowPages(e.value.length);
    long pgid = pager.allocate(pages);
    ByteBuffer run = PageFormat.allocate(pageSize, pages);
    PageFormat.writeHeader(
        run, PageFormat.TYPE_OVERFLOW, pgid, 1, pages - 1, PageFormat.HEADER_SIZE + e.value.length);
    run.put(PageFormat.HEADER_SIZE, e.value);
    PageFormat.seal(run, writer);
    pager.write(new Dirty(pgid, run));
    e.page = pgid;
    e.valueLength = e.value.length;
    e.value = null;
  }
}
