package dev.strata.btree;

import dev.strata.api.Cursor;
import dev.strata.api.KeyRange;
import dev.strata.api.TransactionClosedException;
import dev.strata.btree.format.NodeSource;

/**
 * A cursor over one transaction's tree: a stack of nodes from the root to the current leaf, with
 * the entry index at each level. Ascending, or descending for a reversed range.
 *
 * <p>In a write transaction the stack may hold heap nodes the transaction keeps editing, so an
 * index on the stack can shift under a put or delete (a delete of the current entry would move the
 * next one onto its index, and a plain step would skip it). Such cursors therefore copy each entry
 * they stop on, and when the transaction wrote since the last step they seek again from the last
 * key returned instead of stepping: the order and no-skip rule of {@link dev.strata.api.Cursor}
 * hold, and steps without intervening writes cost nothing extra.
 */
final class BTreeCursor implements Cursor {
  private final BTreeReadTxn txn;
  private final KeyRange range;
  private final byte[] lower;
  private final byte[] upper;
  private final boolean descending;
  private NodeSource[] nodes = new NodeSource[8];
  private int[] indexes = new int[8];

  /** Per level, the branch whose children in range were last named to the kernel. */
  private NodeSource[] named = new NodeSource[8];

  private int depth;
  private boolean started;
  private boolean exhausted;
  private boolean positioned;
  private boolean closed;

  /** Write transactions only: the entry last stopped on, and the write count at that time. */
  private final boolean copyEntries;

  private byte[] currentKey;
  private byte[] currentValue;
  private long seenWrites;

  BTreeCursor(BTreeReadTxn txn, KeyRange range) {
    this.txn = txn;
    this.range = range;
    this.lower = range.lowerBound();
    this.upper = range.upperBound();
    this.descending = range.isReversed();
    this.copyEntries = txn instanceof BTreeWriteTxn;
  }

  @Override
  public boolean next() {
    enter();
    try {
      if (exhausted) {
        positioned = false;
        return false;
      }
      if (!started) {
        started = true;
        if (range.isEmpty()) {
          return finish();
        }
        seek(descending ? upper : lower);
      } else if (copyEntries && txn.writeCount() != seenWrites) {
        if (!seekPast(currentKey)) {
          return finish();
        }
      } else {
        indexes[depth - 1] += descending ? -1 : 1;
      }
      if (!settle()) {
        return finish();
      }
      NodeSource leaf = nodes[depth - 1];
      int i = indexes[depth - 1];
      if (descending
          ? lower != null && leaf.compareKeyAt(i, lower) < 0
          : upper != null && leaf.compareKeyAt(i, upper) >= 0) {
        return finish();
      }
      positioned = true;
      if (copyEntries) {
        currentKey = leaf.keyAt(i);
        currentValue = txn.value(leaf, i);
        seenWrites = txn.writeCount();
      }
      return true;
    } finally {
      txn.engine.exitRead();
    }
  }

  private boolean finish() {
    exhausted = true;
    positioned = false;
    depth = 0;
    return false;
  }

  private void push(NodeSource n, int index) {
    if (depth == nodes.length) {
      nodes = java.util.Arrays.copyOf(nodes, depth * 2);
      indexes = java.util.Arrays.copyOf(indexes, depth * 2);
      named = java.util.Arrays.copyOf(named, depth * 2);
    }
    nodes[depth] = n;
    indexes[depth] = index;
    depth++;
  }

  /**
   * Positions the stack on the first entry strictly past {@code key} in the cursor's direction (not
   * yet settled); false when the tree has no such entry.
   */
  private boolean seekPast(byte[] key) {
    depth = 0;
    seek(key);
    if (descending) {
      // seek(bound) stops on the last entry below the bound: already strictly past it.
      return true;
    }
    if (!settle()) {
      return false;
    }
    if (nodes[depth - 1].compareKeyAt(indexes[depth - 1], key) == 0) {
      indexes[depth - 1]++;
    }
    return true;
  }

  /**
   * Pushes the path to {@code bound}: ascending, to the first entry at or above it; descending, to
   * the last entry below it (an exclusive upper bound); null means the first or last entry.
   */
  private void seek(byte[] bound) {
    NodeSource n = txn.root();
    while (!n.isLeaf()) {
      int i;
      if (n.count() == 0) {
        i = descending ? -1 : 0;
        push(n, i);
        return;
      }
      if (bound == null) {
        i = descending ? n.count() - 1 : 0;
      } else {
        i = n.childIndex(bound);
      }
      push(n, i);
      n = txn.child(n, i);
    }
    int i;
    if (bound == null) {
      i = descending ? n.count() - 1 : 0;
    } else {
      i = descending ? n.lowerBound(bound) - 1 : n.lowerBound(bound);
    }
    push(n, i);
  }

  /** Moves to the nearest existing entry in the cursor's direction; false when none is left. */
  private boolean settle() {
    while (true) {
      if (depth == 0) {
        return false;
      }
      NodeSource top = nodes[depth - 1];
      int i = indexes[depth - 1];
      if (i >= 0 && i < top.count()) {
        if (top.isLeaf()) {
          return true;
        }
        if (named[depth - 1] != top) {
          named[depth - 1] = top;
          // A next child this process has read already says the store is most likely in memory,
          // where naming the rest would cost more than it saves.
          if (!txn.readBefore(top.childAt(i))) {
            nameChildren(top, i);
          }
        }
        NodeSource child = txn.child(top, i);
        push(child, descending ? child.count() - 1 : 0);
        continue;
      }
      depth--;
      if (depth > 0) {
        indexes[depth - 1] += descending ? -1 : 1;
      }
    }
  }

  /**
   * Names to the kernel the children of {@code branch} this cursor visits from index {@code from}
   * on, as far as the range reaches. The cursor gets here only by stepping past the end of a node,
   * so it is scanning; the mapping is advised for random reads, and without this each child not in
   * the cache would cost one synchronous read, one after another.
   */
  private void nameChildren(NodeSource branch, int from) {
    int n = branch.count();
    long[] ids = new long[descending ? from + 1 : n - from];
    int k = 0;
    if (descending) {
      // Child j holds keys from its separator up to the next: below j, none reach the lower bound.
      for (int j = from; j >= 0; j--) {
        ids[k++] = branch.childAt(j);
        if (lower != null && branch.compareKeyAt(j, lower) <= 0) {
          break;
        }
      }
    } else {
      for (int j = from; j < n; j++) {
        if (j > from && upper != null && branch.compareKeyAt(j, upper) >= 0) {
          break;
        }
        ids[k++] = branch.childAt(j);
      }
    }
    txn.prefetch(ids, k);
  }

  @Override
  public byte[] key() {
    enter();
    try {
      current();
      if (copyEntries) {
        return currentKey.clone();
      }
      return nodes[depth - 1].keyAt(indexes[depth - 1]);
    } finally {
      txn.engine.exitRead();
    }
  }

  @Override
  public byte[] value() {
    enter();
    try {
      current();
      if (copyEntries) {
        return currentValue.clone();
      }
      return txn.value(nodes[depth - 1], indexes[depth - 1]);
    } finally {
      txn.engine.exitRead();
    }
  }

  private void current() {
    if (copyEntries) {
      if (!positioned) {
        throw new IllegalStateException(
            "cursor has no current entry: call next() first and check that it returned true");
      }
      return;
    }
    NodeSource leaf = depth == 0 ? null : nodes[depth - 1];
    if (!positioned
        || leaf == null
        || indexes[depth - 1] >= leaf.count()
        || indexes[depth - 1] < 0) {
      throw new IllegalStateException(
          "cursor has no current entry: call next() first and check" + " that it returned true");
    }
  }

  private void enter() {
    if (closed) {
      throw new TransactionClosedException("cursor is closed");
    }
    txn.enterRead();
  }

  @Override
  public void close() {
    closed = true;
  }
}
