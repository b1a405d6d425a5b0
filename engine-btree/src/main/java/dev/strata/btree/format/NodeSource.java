package dev.strata.btree.format;

/**
 * Read access to one B+tree node, either a page in the file ({@link NodeView}) or a node the write
 * transaction has materialized on the heap ({@code Node}), so searches and cursors work on both.
 * Keys compare as unsigned bytes.
 */
public interface NodeSource {
  boolean isLeaf();

  int count();

  /** Compares entry {@code i}'s key with {@code key}: negative, zero or positive. */
  int compareKeyAt(int i, byte[] key);

  /** A copy of entry {@code i}'s key. */
  byte[] keyAt(int i);

  /** Branch entry {@code i}'s child page. */
  long childAt(int i);

  /** Whether leaf entry {@code i}'s value lives in an overflow run. */
  boolean isOverflow(int i);

  /** Leaf entry {@code i}'s value when it is inline (a copy, or the node's own array). */
  byte[] inlineValue(int i);

  /** Leaf entry {@code i}'s overflow run's first page. */
  long overflowPage(int i);

  /** Leaf entry {@code i}'s value length. */
  int valueLength(int i);

  /** The first entry whose key is not below {@code key}; {@link #count()} when none is. */
  default int lowerBound(byte[] key) {
    int lo = 0;
    int hi = count();
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (compareKeyAt(mid, key) < 0) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /**
   * The child of a branch that may hold {@code key}: the last entry whose key is at most {@code
   * key}, or the first entry when every key is above it.
   */
  default int childIndex(byte[] key) {
    int lo = 0;
    int hi = count();
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (compareKeyAt(mid, key) <= 0) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return Math.max(0, lo - 1);
  }
}
