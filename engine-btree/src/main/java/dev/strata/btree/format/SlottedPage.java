package dev.strata.btree.format;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A one-page branch or leaf the write transaction edits as its page bytes, LMDB-style, instead of
 * decoding it into {@code Node.Entry} objects and encoding it again at commit. The bytes are always
 * exactly what {@code Node.encode} would write for the same entries (header, slots in key order,
 * elements packed in key order, zeros after {@code used}), so commit only stamps the page id and
 * the checksum. An edit that would not fit the page returns {@code false} and leaves the bytes
 * unchanged; the caller then falls back to the object form, which can split. Writer-only, not
 * thread-safe.
 */
public final class SlottedPage {
  /** As long as the largest page ({@code Settings}); the source of the zeros after {@code used}. */
  private static final byte[] ZEROS = new byte[65536];

  /** Reads and writes slot offsets in {@link #array}. */
  private static final VarHandle SLOT_INT =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

  private final ByteBuffer buf;

  /** The heap array behind {@link #buf}, searched directly on every put. */
  private final byte[] array;

  /** Where the page starts in {@link #array}. */
  private final int base;

  private final boolean leaf;
  private final int pageSize;
  private NodeView view;

  /**
   * A copy of {@code v}, which must be a single-page run, in {@code page}: a little-endian buffer
   * of one page from {@code PageBuffers.take}, either all zeros or a page some {@code SlottedPage}
   * left (zeros after its {@code used}); its old bytes are overwritten. The page belongs to this
   * object until the run {@link #seal} returns has been written.
   *
   * @throws IllegalArgumentException if {@code page} is not backed by an accessible heap array
   */
  public SlottedPage(NodeView v, ByteBuffer page) {
    if (!page.hasArray()) {
      throw new IllegalArgumentException("a page in page form needs a heap buffer");
    }
    this.buf = page;
    this.array = page.array();
    this.base = page.arrayOffset();
    this.leaf = v.isLeaf();
    this.pageSize = page.capacity();
    // A recycled page is zero after its old used length (a fresh one is zero throughout and reads
    // 0 there), so only the stretch between the two lengths needs clearing, not the whole tail.
    int staleUsed = page.getInt(PageFormat.OFF_USED);
    int used = v.copyUsedTo(page);
    if (staleUsed > used) {
      zero(used, staleUsed);
    }
  }

  /** A read view of the current bytes; replaced after every edit (a view caches the count). */
  public NodeView view() {
    NodeView v = view;
    if (v == null) {
      v = new NodeView(buf, 0, 0, 1);
      view = v;
    }
    return v;
  }

  /** {@link NodeSource#compareKeyAt} of the current bytes. */
  public int compareKeyAt(int i, byte[] key) {
    return NodeView.compareKey(array, base, leaf, i, key);
  }

  /** {@link NodeSource#lowerBound} of the current bytes. */
  public int lowerBound(byte[] key) {
    return NodeView.lowerBound(array, base, leaf, count(), key);
  }

  /** {@link NodeSource#childIndex} of the current bytes. */
  public int childIndex(byte[] key) {
    return NodeView.childIndex(array, base, leaf, count(), key);
  }

  /** Branch entry {@code i}'s child page. */
  public long childAt(int i) {
    return buf.getLong(slot(i) + 2);
  }

  /** A copy of entry {@code i}'s key. */
  public byte[] keyAt(int i) {
    int e = slot(i);
    int length = buf.getShort(e + (leaf ? 1 : 0)) & 0xFFFF;
    int from = base + e + (leaf ? NodeView.LEAF_ELEMENT : NodeView.BRANCH_ELEMENT);
    return Arrays.copyOfRange(array, from, from + length);
  }

  /** A copy of inline leaf entry {@code i}'s value. */
  public byte[] inlineValue(int i) {
    int e = slot(i);
    int from = base + e + NodeView.LEAF_ELEMENT + (buf.getShort(e + 1) & 0xFFFF);
    return Arrays.copyOfRange(array, from, from + buf.getInt(e + 3));
  }

  /**
   * The page buffer this object edits, to hand back to its pool once the node has left page form
   * (nothing may read or edit this object afterwards).
   */
  public ByteBuffer buffer() {
    return buf;
  }

  /** The number of entries. */
  public int count() {
    return buf.getInt(PageFormat.OFF_COUNT);
  }

  /** Bytes the page uses, header included. */
  public int used() {
    return buf.getInt(PageFormat.OFF_USED);
  }

  private int slot(int i) {
    return (int) SLOT_INT.get(array, base + PageFormat.HEADER_SIZE + i * NodeView.SLOT);
  }

  /**
   * Inserts (or replaces) leaf entry {@code i} with an inline value.
   *
   * @param i the entry's index, or {@code -(insertion point) - 1} for a new key
   * @return false, with nothing changed, when the result would not fit the page
   */
  public boolean putLeaf(int i, byte[] key, byte[] value) {
    int at = splice(i, NodeView.LEAF_ELEMENT + key.length + value.length);
    if (at < 0) {
      return false;
    }
    buf.put(at, (byte) 0);
    buf.putShort(at + 1, (short) key.length);
    buf.putInt(at + 3, value.length);
    System.arraycopy(key, 0, array, base + at + NodeView.LEAF_ELEMENT, key.length);
    System.arraycopy(value, 0, array, base + at + NodeView.LEAF_ELEMENT + key.length, value.length);
    return true;
  }

  /**
   * Inserts (or replaces) branch entry {@code i}; a replacement under an equal key only rewrites
   * the child page.
   *
   * @param i the entry's index, or {@code -(insertion point) - 1} for a new key
   * @return false, with nothing changed, when the result would not fit the page
   */
  public boolean putBranch(int i, byte[] key, long child) {
    if (i >= 0 && compareKeyAt(i, key) == 0) {
      buf.putLong(slot(i) + 2, child);
      return true;
    }
    int at = splice(i, NodeView.BRANCH_ELEMENT + key.length);
    if (at < 0) {
      return false;
    }
    buf.putShort(at, (short) key.length);
    buf.putLong(at + 2, child);
    System.arraycopy(key, 0, array, base + at + NodeView.BRANCH_ELEMENT, key.length);
    return true;
  }

  /** Removes entry {@code i}. */
  public void remove(int i) {
    splice(i, -1);
  }

  /**
   * Makes room for element {@code i} of {@code length} bytes (or removes it when {@code length} is
   * -1), keeping slots and elements packed in key order, and returns where the new element's bytes
   * go (-1 when they would not fit; nothing is moved then).
   */
  private int splice(int i, int length) {
    int n = count();
    int used = used();
    boolean insert = i < 0;
    int index = insert ? -i - 1 : i;
    boolean remove = length < 0;
    int start = index < n ? slot(index) : used;
    int oldLength = insert ? 0 : (index + 1 < n ? slot(index + 1) : used) - start;
    int newLength = remove ? 0 : length;
    int slotDelta = insert ? NodeView.SLOT : remove ? -NodeView.SLOT : 0;
    int tailDelta = slotDelta + newLength - oldLength;
    int newUsed = used + tailDelta;
    if (newUsed > pageSize) {
      return -1;
    }
    int slotsEnd = PageFormat.HEADER_SIZE + n * NodeView.SLOT;
    int slotsAt = PageFormat.HEADER_SIZE + index * NodeView.SLOT;
    // Moves overlap, so their order follows the direction: rightwards from the end, leftwards from
    // the front, each move a memmove.
    if (slotDelta > 0) {
      move(start + oldLength, start + oldLength + tailDelta, used - start - oldLength);
      move(slotsEnd, slotsEnd + slotDelta, start - slotsEnd);
      move(slotsAt, slotsAt + NodeView.SLOT, slotsEnd - slotsAt);
    } else if (slotDelta < 0) {
      int next = slotsAt + NodeView.SLOT;
      move(next, slotsAt, slotsEnd - next);
      move(slotsEnd, slotsEnd + slotDelta, start - slotsEnd);
      int tail = start + oldLength;
      move(tail, tail + tailDelta, used - tail);
    } else {
      int tail = start + oldLength;
      move(tail, tail + tailDelta, used - tail);
    }
    int count = n + (insert ? 1 : remove ? -1 : 0);
    // Elements before the edited one moved by the slot added or removed, those after it by the
    // whole change; a removed element's slot is gone, so its successors start at {@code index}.
    addToSlots(0, index, slotDelta);
    addToSlots(remove ? index : index + 1, count, tailDelta);
    int elementAt = start + slotDelta;
    if (!remove) {
      buf.putInt(slotsAt, elementAt);
    }
    if (newUsed < used) {
      zero(newUsed, used);
    }
    buf.putInt(PageFormat.OFF_COUNT, count);
    buf.putInt(PageFormat.OFF_USED, newUsed);
    view = null;
    return elementAt;
  }

  /** Adds {@code delta} to the element offsets in slots {@code from} to {@code to} (exclusive). */
  private void addToSlots(int from, int to, int delta) {
    if (delta == 0) {
      return;
    }
    byte[] a = array;
    int at = base + PageFormat.HEADER_SIZE + from * NodeView.SLOT;
    int end = base + PageFormat.HEADER_SIZE + to * NodeView.SLOT;
    for (; at < end; at += NodeView.SLOT) {
      SLOT_INT.set(a, at, (int) SLOT_INT.get(a, at) + delta);
    }
  }

  /** Copies {@code length} bytes from {@code from} to {@code to}; the ranges may overlap. */
  private void move(int from, int to, int length) {
    if (length > 0) {
      // An absolute bulk put within one buffer copies like memmove (Unsafe.copyMemory).
      buf.put(to, buf, from, length);
    }
  }

  private void zero(int from, int to) {
    buf.put(from, ZEROS, 0, to - from);
  }

  /**
   * Stamps the page id, the writer's txid and the checksum (which covers the id, so it is not kept
   * current while editing) and returns the page itself as the run to write at {@code pgid}: commit
   * writes each node once, after its last edit, so no copy is needed. Editing the page again is
   * allowed (a later {@code seal} stamps it anew), but changes the returned run as well.
   */
  public ByteBuffer seal(long pgid, long writer) {
    buf.putLong(PageFormat.OFF_PGID, pgid);
    buf.putInt(PageFormat.OFF_OVERFLOW, 0);
    PageFormat.seal(buf, writer);
    return buf;
  }
}
