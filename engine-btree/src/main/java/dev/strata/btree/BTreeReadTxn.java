package dev.strata.btree;

import dev.strata.api.Cursor;
import dev.strata.api.KeyRange;
import dev.strata.api.Limits;
import dev.strata.api.ReadTxn;
import dev.strata.api.spi.TxnEnd;
import dev.strata.btree.format.Meta;
import dev.strata.btree.format.NodeSource;
import java.util.Objects;

/** A read transaction: a registered meta snapshot whose pages stay valid until it ends. */
class BTreeReadTxn implements ReadTxn {
  final BTreeEngine engine;
  final Meta meta;
  private final TxnEnd end = new TxnEnd();

  BTreeReadTxn(BTreeEngine engine, Meta meta) {
    this.engine = engine;
    this.meta = meta;
  }

  NodeSource root() {
    return engine.store.file.node(meta.root(), meta.highWater(), false);
  }

  /**
   * Has the kernel start reading the pages {@code pgids[0, count)} of this snapshot (reorders
   * them); see {@link PageFile#prefetch}.
   */
  void prefetch(long[] pgids, int count) {
    engine.store.file.prefetch(pgids, count, meta.highWater());
  }

  /** Whether this process has read or written page {@code pgid} (its checksum bit is set). */
  boolean readBefore(long pgid) {
    return engine.store.file.isVerified(pgid);
  }

  NodeSource child(NodeSource parent, int i) {
    return engine.store.file.node(parent.childAt(i), meta.highWater(), false);
  }

  byte[] value(NodeSource n, int i) {
    if (!n.isOverflow(i)) {
      return n.inlineValue(i);
    }
    return engine.store.file.overflowValue(n.overflowPage(i), n.valueLength(i), meta.highWater());
  }

  /**
   * Counts the writes of this transaction so far; cursors compare it between steps to notice that
   * the nodes they stand on may have changed. Always 0 for a read transaction.
   */
  long writeCount() {
    return 0;
  }

  @Override
  public byte[] get(byte[] key) {
    Limits.checkKey(key);
    enterRead();
    try {
      return lookup(key);
    } finally {
      engine.exitRead();
    }
  }

  /** The value of {@code key} in this transaction's snapshot, or null. */
  byte[] lookup(byte[] key) {
    return engine.store.file.get(meta.root(), meta.highWater(), key);
  }

  /** {@link #lookup} through {@link #root}, {@link #child} and {@link #value}. */
  final byte[] lookupThroughNodes(byte[] key) {
    NodeSource n = root();
    while (!n.isLeaf()) {
      if (n.count() == 0) {
        return null;
      }
      n = child(n, n.childIndex(key));
    }
    int i = n.lowerBound(key);
    if (i < n.count() && n.compareKeyAt(i, key) == 0) {
      return value(n, i);
    }
    return null;
  }

  @Override
  public Cursor cursor(KeyRange range) {
    Objects.requireNonNull(range, "range");
    enter();
    try {
      return new BTreeCursor(this, range);
    } finally {
      engine.exit();
    }
  }

  /**
   * Estimates the number of keys in this snapshot without walking it: along three root-to-leaf
   * paths (first, middle and last child at each level) the product of the node sizes projects the
   * count as if every node on a level were as full as the one on the path; the mean of the three is
   * returned. Reads one page per level per path; exact while the root is a leaf.
   */
  long estimateKeyCount() {
    enter();
    try {
      double sum = 0;
      for (int path = 0; path < 3; path++) {
        double product = 1;
        NodeSource n = root();
        while (!n.isLeaf()) {
          int count = n.count();
          if (count == 0) {
            return 0;
          }
          product *= count;
          n = child(n, path == 0 ? 0 : path == 1 ? count / 2 : count - 1);
        }
        product *= n.count();
        sum += product;
      }
      return Math.round(sum / 3);
    } finally {
      engine.exit();
    }
  }

  /** Marks a call in progress (close waits for it) after checking the transaction is usable. */
  void enter() {
    engine.enter();
    try {
      checkActive();
    } catch (RuntimeException e) {
      engine.exit();
      throw e;
    }
  }

  /** {@link #enter} for a call that only reads pages; see {@link BTreeEngine#enterRead}. */
  void enterRead() {
    engine.enterRead();
    try {
      checkActive();
    } catch (RuntimeException e) {
      engine.exitRead();
      throw e;
    }
  }

  void checkActive() {
    // The description is built only for the exception: this runs on every call.
    if (end.isEnded() || engine.isClosed()) {
      end.check(describe(), engine.isClosed());
    }
  }

  String describe() {
    return "btree read transaction (txid " + meta.txid() + ")";
  }

  /** Ends the transaction once; returns whether this call ended it. */
  boolean end(String how) {
    if (!end.end(how)) {
      return false;
    }
    engine.ended(this);
    return true;
  }

  @Override
  public void close() {
    end("closed");
  }
}
