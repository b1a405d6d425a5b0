package dev.strata.btree;

import dev.strata.btree.format.NodeSource;
import dev.strata.btree.format.NodeView;
import dev.strata.btree.format.PageFormat;
import dev.strata.btree.format.SlottedPage;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A node the write transaction has copied to the heap to change it (bbolt's {@code node}). The
 * transaction edits leaves in place; splitting, merging and page allocation wait for commit, so
 * until then the tree keeps the shape of the committed pages. A node read from a one-page run
 * starts in page form (a {@link SlottedPage} edited in place, so commit does not decode and
 * re-encode it); the first edit that needs more (a split, a merge, an overflow value) turns it into
 * a list of entries for good. Writer-only, not thread-safe.
 */
final class Node implements NodeSource {
  /** One entry: a key with an inline value, an overflow reference, or (branch) a child page. */
  static final class Entry {
    final byte[] key;

    /** Inline (or not yet spilled) value; null for an overflow reference or a branch entry. */
    byte[] value;

    /** Branch: child page. Leaf: overflow run's first page, 0 when the value is in memory. */
    long page;

    /** Leaf: value length. */
    int valueLength;

    Entry(byte[] key, byte[] value, long page, int valueLength) {
      this.key = key;
      this.value = value;
      this.page = page;
      this.valueLength = valueLength;
    }
  }

  boolean leaf;

  /** First page of the committed run this node was read from; 0 for a node born at commit. */
  long pgid;

  int pages;
  Node parent;

  /**
   * The routing key the parent holds for this node: at most its first key and above every key of
   * the sibling before it, not necessarily a stored key (see {@link #separator}).
   */
  byte[] keyInParent;

  boolean unbalanced;
  boolean removed;

  /**
   * Where this node's entry in {@link #parent} is expected: its index when it was materialized,
   * moved by the commit's spill as entries are inserted before it; -1 when unknown. A hint, checked
   * against the key before use.
   */
  int indexInParent = -1;

  /**
   * The index of the entry the last {@link #putLeaf} put, where {@link #findNear} starts: puts in
   * ascending runs insert each key a few entries after the one before. A hint only.
   */
  private int finger = -1;

  /**
   * The entries this transaction inserted, while they form one run between two neighbouring entries
   * of the committed page: the index of the first ({@code insertedCount} of them), -1 when none.
   */
  private int insertedFrom = -1;

  private int insertedCount;

  /** Whether this transaction's inserts (or a merge) broke up that run. */
  private boolean insertsScattered;

  /** The entries in object form; null while the node is in page form. */
  private ArrayList<Entry> entries;

  /** The node in page form; null in object form. */
  private SlottedPage page;

  /** Where {@link #page}'s buffer came from, and goes back to when the node leaves page form. */
  private PageBuffers buffers;

  /** Materialized children, so commit can spill them before this node. */
  ArrayList<Node> children = new ArrayList<>();

  Node(boolean leaf, ArrayList<Entry> entries) {
    this.leaf = leaf;
    this.entries = entries;
  }

  /**
   * The node of {@code v}: in page form when it is one page (in a buffer from {@code buffers}),
   * else decoded.
   */
  static Node read(NodeView v, PageBuffers buffers) {
    if (v.pages == 1) {
      Node node = new Node(v.isLeaf(), null);
      node.page = new SlottedPage(v, buffers.take());
      node.buffers = buffers;
      node.pgid = v.pgid;
      node.pages = 1;
      return node;
    }
    return decode(v);
  }

  private static Node decode(NodeView v) {
    int n = v.count();
    ArrayList<Entry> entries = new ArrayList<>(n + 1);
    for (int i = 0; i < n; i++) {
      byte[] key = v.keyAt(i);
      if (!v.isLeaf()) {
        entries.add(new Entry(key, null, v.childAt(i), 0));
      } else if (v.isOverflow(i)) {
        entries.add(new Entry(key, null, v.overflowPage(i), v.valueLength(i)));
      } else {
        byte[] value = v.inlineValue(i);
        entries.add(new Entry(key, value, 0, value.length));
      }
    }
    Node node = new Node(v.isLeaf(), entries);
    node.pgid = v.pgid;
    node.pages = v.pages;
    return node;
  }

  /**
   * The shortest prefix of {@code right} that sorts above {@code left} ({@code left < right},
   * unsigned): all a branch needs to route between a node ending with {@code left} and the next one
   * starting with {@code right}. Branch keys then take a few bytes instead of whole user keys
   * (suffix truncation), so a branch page holds more children and a commit of scattered puts
   * rewrites fewer branch pages.
   */
  static byte[] separator(byte[] left, byte[] right) {
    return Arrays.copyOf(right, Arrays.mismatch(left, right) + 1);
  }

  /** The entries of a node in page form, copied out of its page. */
  private static ArrayList<Entry> decode(SlottedPage page) {
    NodeView v = page.view();
    int n = v.count();
    // Room for the puts that follow: a node leaves page form when an edit outgrows the page.
    ArrayList<Entry> entries = new ArrayList<>(n + n / 2 + 1);
    for (int i = 0; i < n; i++) {
      byte[] key = page.keyAt(i);
      if (!v.isLeaf()) {
        entries.add(new Entry(key, null, v.childAt(i), 0));
      } else if (v.isOverflow(i)) {
        entries.add(new Entry(key, null, v.overflowPage(i), v.valueLength(i)));
      } else {
        byte[] value = page.inlineValue(i);
        entries.add(new Entry(key, value, 0, value.length));
      }
    }
    return entries;
  }

  /**
   * The entries in object form, converting a node in page form first (for good). The page goes back
   * to the buffers at once: the entries are copies, so nothing reads it any more, and the split
   * that usually follows takes pages for its parts.
   */
  ArrayList<Entry> entries() {
    if (page != null) {
      entries = decode(page);
      dropPage();
    }
    return entries;
  }

  private void dropPage() {
    buffers.give(page.buffer());
    page = null;
    buffers = null;
  }

  /** Whether the node is in page form: one page, edited in place. */
  boolean inPageForm() {
    return page != null;
  }

  /**
   * Replaces the entries (object form from now on): a merge or a root collapse, after which the
   * node's inserts no longer count as one run.
   */
  void setEntries(ArrayList<Entry> replacement) {
    if (page != null) {
      dropPage();
    }
    entries = replacement;
    insertsScattered = true;
  }

  /** Appends {@code more}, the entries of the node to the right being merged into this one. */
  void absorbEntries(List<Entry> more) {
    entries().addAll(more);
    insertsScattered = true;
  }

  /**
   * Where a split should end a part when this transaction inserted in one place only, as a load in
   * key order does: the index after the inserted run, when the run ends the node or holds at least
   * two entries; -1 otherwise. A single insert between two committed entries is what random puts
   * do, and gets the usual split.
   */
  int insertRunEnd() {
    if (insertsScattered || insertedCount == 0) {
      return -1;
    }
    int end = insertedFrom + insertedCount;
    return end == count() || insertedCount >= 2 ? end : -1;
  }

  /** Records an insertion at index {@code at}, before the entry that was there. */
  private void noteInsert(int at) {
    if (insertsScattered) {
      return;
    }
    if (insertedCount == 0) {
      insertedFrom = at;
      insertedCount = 1;
    } else if (at >= insertedFrom && at <= insertedFrom + insertedCount) {
      insertedCount++;
    } else {
      insertsScattered = true;
    }
  }

  @Override
  public boolean isLeaf() {
    return leaf;
  }

  @Override
  public int count() {
    return page != null ? page.count() : entries.size();
  }

  @Override
  public int compareKeyAt(int i, byte[] key) {
    if (page != null) {
      return page.compareKeyAt(i, key);
    }
    return Arrays.compareUnsigned(entries.get(i).key, key);
  }

  @Override
  public int lowerBound(byte[] key) {
    if (page != null) {
      return page.lowerBound(key);
    }
    ArrayList<Entry> list = entries;
    int lo = 0;
    int hi = list.size();
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (Arrays.compareUnsigned(list.get(mid).key, key) < 0) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  @Override
  public int childIndex(byte[] key) {
    if (page != null) {
      return page.childIndex(key);
    }
    ArrayList<Entry> list = entries;
    int lo = 0;
    int hi = list.size();
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (Arrays.compareUnsigned(list.get(mid).key, key) <= 0) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return Math.max(0, lo - 1);
  }

  @Override
  public byte[] keyAt(int i) {
    return page != null ? page.keyAt(i) : entries.get(i).key.clone();
  }

  @Override
  public long childAt(int i) {
    return page != null ? page.childAt(i) : entries.get(i).page;
  }

  @Override
  public boolean isOverflow(int i) {
    return page != null ? page.view().isOverflow(i) : entries.get(i).value == null;
  }

  @Override
  public byte[] inlineValue(int i) {
    return page != null ? page.inlineValue(i) : entries.get(i).value.clone();
  }

  @Override
  public long overflowPage(int i) {
    return page != null ? page.view().overflowPage(i) : entries.get(i).page;
  }

  @Override
  public int valueLength(int i) {
    return page != null ? page.view().valueLength(i) : entries.get(i).valueLength;
  }

  /**
   * Puts a leaf entry (replacing the one at {@code i}, or inserting at {@code -i - 1}); a value
   * longer than {@code maxInline} stays in memory until commit writes its overflow run. Neither
   * array is kept: the node copies what it holds on to.
   */
  void putLeaf(int i, byte[] key, byte[] value, int maxInline) {
    finger = i >= 0 ? i : -i - 1;
    if (i < 0) {
      noteInsert(finger);
    }
    if (page != null && value.length <= maxInline && page.putLeaf(i, key, value)) {
      return;
    }
    // The caller keeps its arrays (WriteTxn.put does not copy them); what the node keeps is a copy.
    Entry entry = new Entry(key.clone(), value.clone(), 0, value.length);
    if (i >= 0) {
      entries().set(i, entry);
    } else {
      entries().add(-i - 1, entry);
    }
  }

  /** Removes entry {@code i}. */
  void removeAt(int i) {
    if (i < insertedFrom) {
      insertedFrom--;
    } else if (i < insertedFrom + insertedCount) {
      insertedCount--;
    }
    if (page != null) {
      page.remove(i);
    } else {
      entries.remove(i);
    }
  }

  /**
   * The run to write at {@code pgid} for a node in page form: the node's own page, sealed, so the
   * node must not change until the run is written.
   */
  ByteBuffer sealPage(long pgid, long writer) {
    return page.seal(pgid, writer);
  }

  /**
   * {@link #find}, searching first right of the last put's entry when {@code key} sorts above it:
   * probes one, two, four, ... entries on, then a binary search between the last two probes, so a
   * key a few entries on costs a few comparisons and a key anywhere at most about twice a binary
   * search's.
   */
  int findNear(byte[] key) {
    int h = finger;
    int n = count();
    if (h < 0 || h >= n || compareKeyAt(h, key) >= 0) {
      return find(key);
    }
    // key(lo - 1) < key throughout; the answer lies in [lo, n].
    int lo = h + 1;
    int step = 1;
    int hi = lo;
    while (hi < n) {
      int c = compareKeyAt(hi, key);
      if (c == 0) {
        return hi;
      }
      if (c > 0) {
        break;
      }
      lo = hi + 1;
      hi = lo + step;
      step <<= 1;
    }
    hi = Math.min(hi, n);
    // Now key(hi) > key or hi == n: the first key not below it lies in [lo, hi].
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      int c = compareKeyAt(mid, key);
      if (c == 0) {
        return mid;
      }
      if (c < 0) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return -lo - 1;
  }

  /** Index of {@code key} if present, else {@code -(insertion point) - 1}. */
  int find(byte[] key) {
    int i = lowerBound(key);
    if (i < count() && compareKeyAt(i, key) == 0) {
      return i;
    }
    return -i - 1;
  }

  /**
   * Replaces the branch entry keyed {@code oldKey} (or inserts) with {@code newKey -> child}.
   *
   * @param hint where the entry is expected: the index of {@code oldKey}, or the insertion point of
   *     {@code newKey} when {@code oldKey} is null; checked against the keys, -1 for none
   * @return the index of the entry put
   */
  int putChild(byte[] oldKey, byte[] newKey, long child, int hint) {
    int i = oldKey == null ? -1 : findAt(oldKey, hint);
    if (i < 0) {
      i = oldKey == null ? insertionAt(newKey, hint) : find(newKey);
    } else if (page != null && compareKeyAt(i, newKey) != 0) {
      // A changed key may move the entry; only then does the page need a remove and an insert.
      removeAt(i);
      i = find(newKey);
    }
    int at = i >= 0 ? i : -i - 1;
    if (i < 0) {
      noteInsert(at);
    }
    if (page != null && page.putBranch(i, newKey, child)) {
      return at;
    }
    Entry entry = new Entry(newKey, null, child, 0);
    if (i >= 0) {
      entries().set(i, entry);
    } else {
      entries().add(at, entry);
    }
    return at;
  }

  /** {@link #find} of a key expected at index {@code hint}, which is tried first. */
  private int findAt(byte[] key, int hint) {
    if (hint >= 0 && hint < count() && compareKeyAt(hint, key) == 0) {
      return hint;
    }
    return find(key);
  }

  /** {@link #find} of a key expected absent with insertion point {@code hint}, tried first. */
  private int insertionAt(byte[] key, int hint) {
    int n = count();
    if (hint > 0
        && hint <= n
        && compareKeyAt(hint - 1, key) < 0
        && (hint == n || compareKeyAt(hint, key) > 0)) {
      return -hint - 1;
    }
    return find(key);
  }

  void removeKey(byte[] key) {
    int i = find(key);
    if (i >= 0) {
      removeAt(i);
      unbalanced = true;
    }
  }

  // ---------------------------------------------------------------- sizing and encoding

  static int entrySize(boolean leaf, Entry e, int maxInline) {
    if (!leaf) {
      return NodeView.SLOT + NodeView.BRANCH_ELEMENT + e.key.length;
    }
    boolean inline = e.value != null && e.value.length <= maxInline;
    return leafEntrySize(e.key.length, inline ? e.value.length : -1);
  }

  /**
   * Bytes a leaf entry takes in its page: slot, element, key, and the value inline or an 8-byte
   * reference to its overflow run.
   *
   * @param inlineValueLength the value's length when it is stored inline, -1 when it overflows
   */
  static int leafEntrySize(int keyLength, int inlineValueLength) {
    return NodeView.SLOT
        + NodeView.LEAF_ELEMENT
        + keyLength
        + (inlineValueLength >= 0 ? inlineValueLength : 8);
  }

  long size(int maxInline) {
    if (page != null) {
      return page.used();
    }
    long size = PageFormat.HEADER_SIZE;
    for (Entry e : entries) {
      size += entrySize(leaf, e, maxInline);
    }
    return size;
  }

  /**
   * Encodes {@code part} as a run starting at {@code pgid}, written by commit {@code writer}. Leaf
   * values must already be inline (at most {@code maxInline} bytes) or overflow references.
   */
  static ByteBuffer encode(
      boolean leaf, List<Entry> part, long pgid, int pageSize, int maxInline, long writer) {
    long size = encodedSize(leaf, part, maxInline);
    int pages = PageFormat.pagesFor(size, pageSize);
    ByteBuffer b = PageFormat.allocate(pageSize, pages);
    encodeInto(b, leaf, part, pgid, pages, (int) size, writer);
    return b;
  }

  /**
   * Encodes {@code part}, which must fit one page ({@link #encodedSize} at most the page size),
   * into a page from {@code buffers}: a split's parts then reuse the pages earlier commits wrote
   * instead of allocating and zeroing new ones. The page keeps zeros after the used length, as a
   * recycled page must.
   */
  static ByteBuffer encodePage(
      boolean leaf, List<Entry> part, long pgid, int maxInline, long writer, PageBuffers buffers) {
    int size = (int) encodedSize(leaf, part, maxInline);
    ByteBuffer b = buffers.take();
    int staleUsed = b.getInt(PageFormat.OFF_USED);
    encodeInto(b, leaf, part, pgid, 1, size, writer);
    if (staleUsed > size) {
      Arrays.fill(b.array(), b.arrayOffset() + size, b.arrayOffset() + staleUsed, (byte) 0);
    }
    return b;
  }

  /** Bytes of {@code part} encoded, header included. */
  static long encodedSize(boolean leaf, List<Entry> part, int maxInline) {
    long size = PageFormat.HEADER_SIZE;
    for (Entry e : part) {
      size += entrySize(leaf, e, maxInline);
    }
    return size;
  }

  /** Writes {@code part} from the start of the heap buffer {@code b} and seals it. */
  private static void encodeInto(
      ByteBuffer b, boolean leaf, List<Entry> part, long pgid, int pages, int size, long writer) {
    PageFormat.writeHeader(
        b,
        leaf ? PageFormat.TYPE_LEAF : PageFormat.TYPE_BRANCH,
        pgid,
        part.size(),
        pages - 1,
        size);
    // Keys and values are copied into the backing array directly: ByteBuffer's absolute bulk put
    // showed up as the largest cost of a commit in profiles.
    byte[] out = b.array();
    int base = b.arrayOffset();
    int slot = PageFormat.HEADER_SIZE;
    int at = PageFormat.HEADER_SIZE + part.size() * NodeView.SLOT;
    for (Entry e : part) {
      b.putInt(slot, at);
      slot += NodeView.SLOT;
      if (leaf) {
        boolean inline = e.value != null;
        b.put(at, inline ? 0 : NodeView.FLAG_OVERFLOW);
        b.putShort(at + 1, (short) e.key.length);
        b.putInt(at + 3, e.valueLength);
        System.arraycopy(e.key, 0, out, base + at + NodeView.LEAF_ELEMENT, e.key.length);
        at += NodeView.LEAF_ELEMENT + e.key.length;
        if (inline) {
          System.arraycopy(e.value, 0, out, base + at, e.value.length);
          at += e.value.length;
        } else {
          b.putLong(at, e.page);
          at += 8;
        }
      } else {
        b.putShort(at, (short) e.key.length);
        b.putLong(at + 2, e.page);
        System.arraycopy(e.key, 0, out, base + at + NodeView.BRANCH_ELEMENT, e.key.length);
        at += NodeView.BRANCH_ELEMENT + e.key.length;
      }
    }
    PageFormat.seal(b, writer);
  }
}
