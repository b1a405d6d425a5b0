package dev.strata.btree;

import dev.strata.api.CorruptionException;
import dev.strata.api.EngineFailedException;
import dev.strata.api.StorageException;
import dev.strata.api.StorageIOException;
import dev.strata.btree.format.Meta;
import dev.strata.btree.format.NodeView;
import dev.strata.btree.format.PageFormat;
import dev.strata.freelist.Freelist;
import java.io.IOException;
import java.util.Arrays;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a meta reaches, and the check that every page is reached once or free (bbolt's {@code
 * tx_check.go}): the full integrity check ({@link #verify}), the stats walk ({@link #stats}), and
 * the reachability walk that rebuilds the freelist when open does not read a stored one ({@link
 * #rebuildFreelist}). The check and the stats hold the writer gate so the freelist and the last
 * meta cannot change underneath them; readers continue.
 */
final class Checker {
  private final PageFile file;
  private final Meta meta;
  private final BitSet reachable = new BitSet();
  private int leafDepth = -1;

  /** The runs the meta's commit record lists, flat (first page, pages); set by checkRecord. */
  private long[] listedRuns = new long[0];

  long branchPages;
  long leafPages;
  long overflowPages;
  long keys;

  private Checker(PageFile file, Meta meta) {
    this.file = file;
    this.meta = meta;
  }

  static void verify(BTreeEngine engine) {
    engine.withWriterGate(
        () -> {
          Store store = engine.store;
          StorageException failure = store.failure;
          if (failure != null) {
            // The meta on disk may be ahead of the one in memory: the freelist in memory matches
            // neither for certain, so a check now would report damage that a reopen does not see.
            throw new EngineFailedException(
                store.path
                    + " cannot be checked until it is reopened: a failed commit left its meta page"
                    + " possibly on disk ("
                    + failure.getMessage()
                    + ")",
                failure);
          }
          Meta meta = store.meta;
          Checker c = new Checker(store.file, meta);
          c.walk(true);
          c.checkRecord();
          c.checkFreelist(store.freelist, store.path.toString());
          c.checkListedRunsReached();
          return null;
        });
  }

  static Map<String, Number> stats(BTreeEngine engine) {
    return engine.withWriterGate(
        () -> {
          Store store = engine.store;
          Meta meta = store.meta;
          Checker c = new Checker(store.file, meta);
          c.walk(false);
          Freelist fl = store.freelist;
          Map<String, Number> s = new LinkedHashMap<>();
          s.put("fileBytes", store.file.fileSize());
          s.put("pageSize", meta.pageSize());
          s.put("highWaterPages", meta.highWater());
          s.put(
              "pagesInUse",
              c.reachable.cardinality() + store.chain.totalPages() + meta.recordPages());
          s.put("freelistDeltas", store.chain.depth());
          s.put("freePages", fl.freeCount());
          s.put("freeRuns", fl.spans().size());
          s.put("pendingPages", fl.pendingCount());
          s.put("treeDepth", c.leafDepth + 1);
          s.put("branchPages", c.branchPages);
          s.put("leafPages", c.leafPages);
          s.put("overflowPages", c.overflowPages);
          s.put("keys", c.keys);
          s.put("txid", meta.txid());
          s.put("syncedTxid", store.syncedTxid());
          s.put("openReaders", engine.openReaders());
          s.put("freelistRebuildMillis", store.freelistRebuildNanos / 1_000_000);
          s.put("commits", store.commits);
          s.put("oneSyncCommits", store.oneSyncCommits);
          s.put("pageAllocationNanos", store.pageAllocationNanos);
          return Map.copyOf(s);
        });
  }

  /** Every page below the high-water mark that the tree does not reach is free. */
  static Freelist rebuildFreelist(
      PageFile file, Meta meta, FreelistLog.Chain chain, Freelist.Kind kind) {
    BitSet free = reachable(file, meta, chain);
    free.flip(0, (int) meta.highWater());
    return FreelistLog.fromBits(free, meta.highWater(), kind);
  }

  /**
   * Pages the meta reaches: the meta pages, the tree, the runs of its stored freelist and its
   * commit record. The freelist runs and the record count as in use even when the freelist is
   * rebuilt instead of read: the meta on disk still names them, so they must not be overwritten
   * before the next commit frees them like any replaced page. Unlike {@link #verify}, trusts the
   * pages' verified bits and does not check structure.
   */
  static BitSet reachable(PageFile file, Meta meta, FreelistLog.Chain chain) {
    BitSet used = new BitSet();
    used.set(0, 2);
    if (meta.oneSync()) {
      used.set((int) meta.recordPage(), (int) (meta.recordPage() + meta.recordPages()));
    }
    long[] runs = chain.runs();
    for (int i = 0; i < runs.length; i += 2) {
      used.set((int) runs[i], (int) (runs[i] + runs[i + 1]));
    }
    markReachable(file, meta, meta.root(), used);
    return used;
  }

  private static void markReachable(PageFile file, Meta meta, long pgid, BitSet used) {
    NodeView v = file.node(pgid, meta.highWater(), false);
    used.set((int) pgid, (int) (pgid + v.pages));
    int n = v.count();
    prefetchChildren(file, meta, v);
    for (int i = 0; i < n; i++) {
      if (!v.isLeaf()) {
        markReachable(file, meta, v.childAt(i), used);
      } else if (v.isOverflow(i)) {
        long o = v.overflowPage(i);
        int pages =
            PageFormat.pagesFor(PageFormat.HEADER_SIZE + (long) v.valueLength(i), file.pageSize);
        used.set((int) o, (int) (o + pages));
      }
    }
  }

  /**
   * Has the kernel read a branch's children in one batch before the walk visits them one by one:
   * the mapping is advised for random reads, so each child not in the cache would otherwise cost
   * one synchronous read.
   */
  private static void prefetchChildren(PageFile file, Meta meta, NodeView v) {
    if (v.isLeaf()) {
      return;
    }
    int n = v.count();
    long[] children = new long[n];
    for (int i = 0; i < n; i++) {
      children[i] = v.childAt(i);
    }
    file.prefetch(children, n, meta.highWater());
  }

  private void walk(boolean deep) {
    reachable.set(0, 2);
    visit(meta.root(), null, null, 0, deep);
  }

  private void mark(long pgid, long pages) {
    if (pgid + pages > Integer.MAX_VALUE) {
      throw file.corrupt(pgid, "page id beyond what the checker can track");
    }
    int from = (int) pgid;
    int to = (int) (pgid + pages);
    int already = reachable.nextSetBit(from);
    if (already >= 0 && already < to) {
      throw file.corrupt(already, "reachable twice (again via the run at page " + pgid + ")");
    }
    reachable.set(from, to);
  }

  private void visit(long pgid, byte[] low, byte[] high, int depth, boolean deep) {
    NodeView v = file.node(pgid, meta.highWater(), deep);
    mark(pgid, v.pages);
    int n = v.count();
    if (deep) {
      checkSlots(v);
    }
    prefetchChildren(file, meta, v);
    if (v.isLeaf()) {
      leafPages += v.pages;
      keys += n;
      if (leafDepth < 0) {
        leafDepth = depth;
      } else if (leafDepth != depth) {
        throw file.corrupt(
            pgid, "leaf at depth " + depth + " but other leaves are at depth " + leafDepth);
      }
    } else {
      branchPages += v.pages;
      if (n == 0) {
        throw file.corrupt(pgid, "branch page with no children");
      }
    }
    byte[] previous = null;
    for (int i = 0; i < n; i++) {
      byte[] key = v.keyAt(i);
      if (deep) {
        if (key.length == 0) {
          throw file.corrupt(pgid, "empty key at entry " + i);
        }
        if (previous != null && Arrays.compareUnsigned(previous, key) >= 0) {
          throw file.corrupt(pgid, "keys out of order at entry " + i);
        }
        if (low != null && Arrays.compareUnsigned(key, low) < 0
            || high != null && Arrays.compareUnsigned(key, high) >= 0) {
          throw file.corrupt(pgid, "key at entry " + i + " is outside the bounds its parent sets");
        }
      }
      previous = key;
      if (!v.isLeaf()) {
        byte[] childHigh = i + 1 < n ? v.keyAt(i + 1) : high;
        visit(v.childAt(i), key, childHigh, depth + 1, deep);
      } else if (v.isOverflow(i)) {
        long o = v.overflowPage(i);
        int pages =
            PageFormat.pagesFor(PageFormat.HEADER_SIZE + (long) v.valueLength(i), file.pageSize);
        if (deep) {
          file.overflowValue(o, v.valueLength(i), meta.highWater());
        }
        mark(o, pages);
        overflowPages += pages;
      }
    }
  }

  /**
   * Marks a one-sync meta's commit record as reached and checks it as open does: its checksum is
   * the one the meta names, and every run it lists still holds what the commit wrote.
   */
  private void checkRecord() {
    if (!meta.oneSync()) {
      return;
    }
    CommitRecord.Check check;
    try {
      check = CommitRecord.verify(file::readRaw, file.fileSize(), meta);
    } catch (IOException e) {
      throw new StorageIOException("cannot read " + file.path, e);
    }
    if (!check.whole()) {
      throw file.corrupt(
          meta.recordPage(), "the commit of meta txid " + meta.txid() + ": " + check.problem());
    }
    listedRuns = check.runs();
    mark(meta.recordPage(), meta.recordPages());
  }

  /**
   * Every run the commit record lists is reached from the meta (the tree or the stored freelist): a
   * listed run the meta does not reach could be reused by the next commit, and a crash during that
   * commit would then leave no meta whose commit verifies.
   */
  private void checkListedRunsReached() {
    for (int i = 0; i < listedRuns.length; i += 2) {
      long start = listedRuns[i];
      int clear = reachable.nextClearBit((int) start);
      if (clear < start + listedRuns[i + 1]) {
        throw file.corrupt(
            clear,
            "listed in the commit record of meta txid " + meta.txid() + " but not reached from it");
      }
    }
  }

  private void checkSlots(NodeView v) {
    int n = v.count();
    long first = PageFormat.HEADER_SIZE + (long) n * NodeView.SLOT;
    if (first > v.used()) {
      throw file.corrupt(v.pgid, "element count " + n + " does not fit the page");
    }
    for (int i = 0; i < n; i++) {
      int off = v.slotOffset(i);
      if (off < first
          || off + (long) NodeView.LEAF_ELEMENT > v.used()
          || off + (long) v.elementLength(i) > v.used()) {
        throw file.corrupt(
            v.pgid,
            "element "
                + i
                + " at offset "
                + off
                + " lies outside the used bytes ("
                + v.used()
                + ")");
      }
    }
  }

  private void checkFreelist(Freelist freelist, String path) {
    try {
      freelist.checkInvariants();
    } catch (IllegalStateException e) {
      throw new CorruptionException(path + ": freelist invariant broken: " + e.getMessage(), e);
    }
    FreelistLog.Stored stored = FreelistLog.Stored.read(file, meta);
    long[] runs = stored.chain().runs();
    for (int i = 0; i < runs.length; i += 2) {
      mark(runs[i], runs[i + 1]);
    }
    if (!stored.chain().isEmpty()) {
      BitSet onDisk = stored.freePages(file, meta);
      for (long p = 2; p < meta.highWater(); p++) {
        if (onDisk.get((int) p) != (freelist.isFree(p) || freelist.isPending(p))) {
          throw file.corrupt(
              p,
              (onDisk.get((int) p) ? "free" : "in use")
                  + " in the freelist stored for meta txid "
                  + meta.txid()
                  + " but not in memory");
        }
      }
    }
    for (long p = 2; p < meta.highWater(); p++) {
      boolean used = reachable.get((int) p);
      boolean free = freelist.isFree(p) || freelist.isPending(p);
      if (used && free) {
        throw file.corrupt(
            p, "both reachable from meta txid " + meta.txid() + " and in the freelist");
      }
      if (!used && !free) {
        throw file.corrupt(
            p, "neither reachable from meta txid " + meta.txid() + " nor in the freelist (leaked)");
      }
    }
    if (freelist.freeCount() + freelist.pendingCount() + reachable.cardinality()
        != meta.highWater()) {
      throw new CorruptionException(
          path + ": freelist holds pages at or past the high-water mark " + meta.highWater());
    }
  }
}
