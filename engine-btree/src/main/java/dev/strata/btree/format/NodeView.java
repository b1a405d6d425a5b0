package dev.strata.btree.format;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A branch or leaf page read in place from the memory map (or a heap copy for a run that crosses a
 * mapping chunk). Immutable: pages reachable from a snapshot are never rewritten.
 *
 * <pre>
 * header (32 bytes, see PageFormat), then count u32 slot offsets (from the run start), then the
 * elements:
 *   leaf:   u8 flags (1 = value in an overflow run), u16 key length, u32 value length, key,
 *           then the value bytes, or the overflow run's first page (u64)
 *   branch: u16 key length, u64 child page, key
 * </pre>
 */
public final class NodeView implements NodeSource {
  public static final int LEAF_ELEMENT = 7;
  public static final int BRANCH_ELEMENT = 10;
  public static final int SLOT = 4;
  public static final byte FLAG_OVERFLOW = 1;

  /** Reads eight key bytes as one unsigned-comparable word. */
  private static final VarHandle BIG_ENDIAN_LONG =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

  /** Reads a slot offset of a node held in a heap array. */
  private static final VarHandle LITTLE_ENDIAN_INT =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

  /** Reads a key length of a node held in a heap array. */
  private static final VarHandle LITTLE_ENDIAN_SHORT =
      MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);

  private final ByteBuffer buf;
  private final int base;
  public final long pgid;
  public final int pages;
  private final boolean leaf;
  private final int count;

  /**
   * A view of the run whose header starts at {@code base} in {@code buf}; the caller has checked
   * its type and checksum. The view reads {@code buf} in place and never moves its position.
   */
  public NodeView(ByteBuffer buf, int base, long pgid, int pages) {
    this.buf = buf;
    this.base = base;
    this.pgid = pgid;
    this.pages = pages;
    this.leaf = buf.get(base + PageFormat.OFF_TYPE) == PageFormat.TYPE_LEAF;
    this.count = buf.getInt(base + PageFormat.OFF_COUNT);
  }

  @Override
  public boolean isLeaf() {
    return leaf;
  }

  @Override
  public int count() {
    return count;
  }

  /** Bytes the run uses, header included. */
  public int used() {
    return buf.getInt(base + PageFormat.OFF_USED);
  }

  private int element(int i) {
    return element(buf, base, i);
  }

  private int keyLength(int e) {
    return keyLength(buf, leaf, e);
  }

  private int keyOffset(int e) {
    return keyOffset(leaf, e);
  }

  @Override
  public int compareKeyAt(int i, byte[] key) {
    return compareKey(buf, base, leaf, i, key);
  }

  @Override
  public int lowerBound(byte[] key) {
    return lowerBound(buf, base, leaf, count, key);
  }

  @Override
  public int childIndex(byte[] key) {
    return childIndex(buf, base, leaf, count, key);
  }

  // The static forms below read a node at {@code base} in {@code buf} without a view object, for
  // the point-read path, which visits one node per level and keeps none of them.

  /** Where element {@code i} of the node at {@code base} starts in {@code buf}. */
  public static int element(ByteBuffer buf, int base, int i) {
    return base + buf.getInt(base + PageFormat.HEADER_SIZE + i * SLOT);
  }

  private static int keyLength(ByteBuffer buf, boolean leaf, int e) {
    return buf.getShort(e + (leaf ? 1 : 0)) & 0xFFFF;
  }

  private static int keyOffset(boolean leaf, int e) {
    return e + (leaf ? LEAF_ELEMENT : BRANCH_ELEMENT);
  }

  /**
   * Compares the key of entry {@code i} of the node at {@code base} with {@code key} as unsigned
   * bytes, eight at a time: negative, zero or positive.
   */
  public static int compareKey(ByteBuffer buf, int base, boolean leaf, int i, byte[] key) {
    int e = element(buf, base, i);
    int len = keyLength(buf, leaf, e);
    int off = keyOffset(leaf, e);
    int n = Math.min(len, key.length);
    int j = 0;
    for (; j + 8 <= n; j += 8) {
      long a = Long.reverseBytes(buf.getLong(off + j));
      long b = (long) BIG_ENDIAN_LONG.get(key, j);
      if (a != b) {
        return Long.compareUnsigned(a, b);
      }
    }
    for (; j < n; j++) {
      int c = (buf.get(off + j) & 0xFF) - (key[j] & 0xFF);
      if (c != 0) {
        return c;
      }
    }
    return len - key.length;
  }

  /**
   * {@link #compareKey(ByteBuffer, int, boolean, int, byte[])} of a node held in the heap array
   * {@code page} from index {@code base}: the write transaction's nodes in page form, searched on
   * every put, without a buffer's bounds and order checks per read.
   */
  public static int compareKey(byte[] page, int base, boolean leaf, int i, byte[] key) {
    int e = base + (int) LITTLE_ENDIAN_INT.get(page, base + PageFormat.HEADER_SIZE + i * SLOT);
    int len = (short) LITTLE_ENDIAN_SHORT.get(page, e + (leaf ? 1 : 0)) & 0xFFFF;
    int off = e + (leaf ? LEAF_ELEMENT : BRANCH_ELEMENT);
    int n = Math.min(len, key.length);
    int j = 0;
    for (; j + 8 <= n; j += 8) {
      long a = (long) BIG_ENDIAN_LONG.get(page, off + j);
      long b = (long) BIG_ENDIAN_LONG.get(key, j);
      if (a != b) {
        return Long.compareUnsigned(a, b);
      }
    }
    for (; j < n; j++) {
      int c = (page[off + j] & 0xFF) - (key[j] & 0xFF);
      if (c != 0) {
        return c;
      }
    }
    return len - key.length;
  }

  /** {@link #lowerBound(ByteBuffer, int, boolean, int, byte[])} of a node in a heap array. */
  public static int lowerBound(byte[] page, int base, boolean leaf, int count, byte[] key) {
    int lo = 0;
    int hi = count;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (compareKey(page, base, leaf, mid, key) < 0) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /** {@link #childIndex(ByteBuffer, int, boolean, int, byte[])} of a node in a heap array. */
  public static int childIndex(byte[] page, int base, boolean leaf, int count, byte[] key) {
    int lo = 0;
    int hi = count;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (compareKey(page, base, leaf, mid, key) <= 0) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return Math.max(0, lo - 1);
  }

  /** {@link NodeSource#lowerBound} of the node of {@code count} entries at {@code base}. */
  public static int lowerBound(ByteBuffer buf, int base, boolean leaf, int count, byte[] key) {
    int lo = 0;
    int hi = count;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (compareKey(buf, base, leaf, mid, key) < 0) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /** {@link NodeSource#childIndex} of the node of {@code count} entries at {@code base}. */
  public static int childIndex(ByteBuffer buf, int base, boolean leaf, int count, byte[] key) {
    int lo = 0;
    int hi = count;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (compareKey(buf, base, leaf, mid, key) <= 0) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return Math.max(0, lo - 1);
  }

  /** Branch entry {@code i}'s child page, of the branch at {@code base}. */
  public static long childAt(ByteBuffer buf, int base, int i) {
    return buf.getLong(element(buf, base, i) + 2);
  }

  /**
   * Whether leaf entry {@code i} of the leaf at {@code base} keeps its value in an overflow run.
   */
  public static boolean isOverflow(ByteBuffer buf, int base, int i) {
    return (buf.get(element(buf, base, i)) & FLAG_OVERFLOW) != 0;
  }

  /** Leaf entry {@code i}'s value length, of the leaf at {@code base}. */
  public static int valueLength(ByteBuffer buf, int base, int i) {
    return buf.getInt(element(buf, base, i) + 3);
  }

  /** A copy of inline leaf entry {@code i}'s value, of the leaf at {@code base}. */
  public static byte[] inlineValue(ByteBuffer buf, int base, int i) {
    int e = element(buf, base, i);
    byte[] v = new byte[buf.getInt(e + 3)];
    buf.get(keyOffset(true, e) + keyLength(buf, true, e), v);
    return v;
  }

  /** Leaf entry {@code i}'s overflow run's first page, of the leaf at {@code base}. */
  public static long overflowPage(ByteBuffer buf, int base, int i) {
    int e = element(buf, base, i);
    return buf.getLong(keyOffset(true, e) + keyLength(buf, true, e));
  }

  @Override
  public byte[] keyAt(int i) {
    int e = element(i);
    byte[] k = new byte[keyLength(e)];
    buf.get(keyOffset(e), k);
    return k;
  }

  @Override
  public long childAt(int i) {
    return buf.getLong(element(i) + 2);
  }

  @Override
  public boolean isOverflow(int i) {
    return (buf.get(element(i)) & FLAG_OVERFLOW) != 0;
  }

  @Override
  public int valueLength(int i) {
    return buf.getInt(element(i) + 3);
  }

  @Override
  public byte[] inlineValue(int i) {
    int e = element(i);
    byte[] v = new byte[buf.getInt(e + 3)];
    buf.get(keyOffset(e) + keyLength(e), v);
    return v;
  }

  @Override
  public long overflowPage(int i) {
    int e = element(i);
    return buf.getLong(keyOffset(e) + keyLength(e));
  }

  /**
   * Copies the run's used bytes (header included) to the start of {@code dst} (absolute, so neither
   * buffer's position moves) and returns how many there were.
   */
  int copyUsedTo(ByteBuffer dst) {
    int used = used();
    dst.put(0, buf, base, used);
    return used;
  }

  /** Raw element bytes for the checker: the slot offset of entry {@code i} from the run start. */
  public int slotOffset(int i) {
    return buf.getInt(base + PageFormat.HEADER_SIZE + i * SLOT);
  }

  /** Byte length of element {@code i}, for the checker's bounds test. */
  public int elementLength(int i) {
    int e = element(i);
    if (!leaf) {
      return BRANCH_ELEMENT + keyLength(e);
    }
    return LEAF_ELEMENT + keyLength(e) + (isOverflow(i) ? 8 : valueLength(i));
  }
}
