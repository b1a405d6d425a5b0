package dev.strata.freelist;

import it.unimi.dsi.fastutil.longs.Long2LongOpenHashMap;
import it.unimi.dsi.fastutil.longs.Long2ObjectAVLTreeMap;
import it.unimi.dsi.fastutil.longs.Long2ObjectMap;
import it.unimi.dsi.fastutil.longs.Long2ObjectSortedMap;
import it.unimi.dsi.fastutil.longs.LongArrayList;
import it.unimi.dsi.fastutil.longs.LongArrays;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What both implementations share: pending runs per freeing txid, allocation tracking, rollback,
 * argument checks and the serialized form. Subclasses own only the free runs, which is where the
 * two algorithms differ.
 */
abstract class AbstractFreelist implements Freelist {
  private static final long NO_WRITER = Long.MIN_VALUE;
  private static final int SCRATCH_KEPT = 4096;
  private static final int SCANNED_GAPS_KEPT = 64;

  // Freeing txid -> flat (start, length, allocating txid) triples. Sorted by txid because release
  // and releaseRange take a prefix or a range of txids; there are few distinct txids pending.
  private final Long2ObjectAVLTreeMap<LongArrayList> pendingByTxid = new Long2ObjectAVLTreeMap<>();
  private final SparseBitSet pendingPages = new SparseBitSet();
  private int pendingEntries;
  private final AllocationTracker allocations = new AllocationTracker();
  // Runs (start, length) allocated by newestWriteTxid: what rollback hands back.
  private final LongArrayList newestWriterAllocations = new LongArrayList();
  private long newestWriteTxid = NO_WRITER;
  private final LongArrayList scratch = new LongArrayList();

  // releaseRange's memory: gap's first txid -> the last freeing txid already scanned for that gap.
  // What a scan kept for a gap (runs allocated before it began) it keeps for every later scan of
  // the same gap, and no freeing txid below the newest writer's gains runs, so a gap pinned across
  // many commits (a reader, or a NO_SYNC store's last synced meta) is scanned once per txid rather
  // than once per commit.
  private final Long2LongOpenHashMap scannedThrough = new Long2LongOpenHashMap();

  /** Takes {@code pageCount} contiguous free pages out of the free space: the first, or NONE. */
  abstract long takeFreeRun(int pageCount);

  /**
   * Makes the given (start, length) pairs free, merging them with free neighbours. The pages are
   * neither free nor pending; the pairs do not overlap one another. May reorder {@code runs}.
   */
  abstract void addFreeRuns(LongArrayList runs);

  /** Returns the lowest free page in {@code start .. start + length - 1}, or -1. */
  abstract long firstFreeIn(long start, long length);

  /** Returns the free runs as (start, length) pairs in ascending page order. */
  abstract LongArrayList freeRunsInOrder();

  /** Returns how many serialized entries the free runs take. */
  abstract long freeEntryCount();

  abstract void clearFree();

  abstract void checkFreeInvariants();

  @Override
  public final long allocate(long txid, int pageCount) {
    requirePageCount(pageCount);
    requireWriter(txid);
    advanceWriter(txid);
    long start = takeFreeRun(pageCount);
    if (start == NONE) {
      return NONE;
    }
    allocations.record(start, pageCount, txid);
    newestWriterAllocations.add(start);
    newestWriterAllocations.add(pageCount);
    return start;
  }

  @Override
  public final void free(long txid, long startPage, int pageCount) {
    requirePageCount(pageCount);
    if (startPage > Long.MAX_VALUE - pageCount) {
      throw new IllegalArgumentException(
          "run of " + pageCount + " pages at page " + startPage + " overflows the page id range");
    }
    long last = startPage + pageCount - 1;
    if (startPage < FIRST_ALLOCATABLE_PAGE) {
      throw new IllegalStateException(
          "cannot free pages " + startPage + ".." + last + ": pages 0 and 1 are the meta pages");
    }
    requireWriter(txid);
    long pending = pendingPages.firstSetIn(startPage, pageCount);
    if (pending >= 0) {
      throw new IllegalStateException(
          "double free of pages "
              + startPage
              + ".."
              + last
              + ": page "
              + pending
              + " is already pending");
    }
    long free = firstFreeIn(startPage, pageCount);
    if (free >= 0) {
      throw new IllegalStateException(
          "double free of pages "
              + startPage
              + ".."
              + last
              + ": page "
              + free
              + " is already free");
    }
    advanceWriter(txid);
    LongArrayList triples = pendingByTxid.get(txid);
    if (triples == null) {
      triples = new LongArrayList();
      pendingByTxid.put(txid, triples);
    }
    int before = triples.size();
    allocations.take(startPage, pageCount, triples);
    pendingEntries += (triples.size() - before) / 3;
    pendingPages.set(startPage, pageCount);
  }

  @Override
  public final void release(long oldestReaderTxid) {
    allocations.forgetOlderThan(oldestReaderTxid);
    if (pendingByTxid.isEmpty() || pendingByTxid.firstLongKey() >= oldestReaderTxid) {
      return;
    }
    scratch.clear();
    while (!pendingByTxid.isEmpty() && pendingByTxid.firstLongKey() < oldestReaderTxid) {
      LongArrayList triples = pendingByTxid.remove(pendingByTxid.firstLongKey());
      for (int k = 0; k < triples.size(); k += 3) {
        unpend(triples.getLong(k), triples.getLong(k + 1));
      }
    }
    addFreeRuns(scratch);
    trimScratch();
  }

  @Override
  public final void releaseRange(long beginTxid, long endTxid) {
    if (beginTxid > endTxid) {
      return;
    }
    long from = Math.max(beginTxid, scannedThrough.getOrDefault(beginTxid, beginTxid - 1) + 1);
    // Txids below the newest writer's gain no more pending runs: those are scanned for good.
    if (newestWriteTxid != NO_WRITER) {
      long frozenThrough = Math.min(endTxid, newestWriteTxid - 1);
      if (frozenThrough >= from) {
        if (scannedThrough.size() >= SCANNED_GAPS_KEPT && !scannedThrough.containsKey(beginTxid)) {
          scannedThrough.clear();
        }
        scannedThrough.put(beginTxid, frozenThrough);
      }
    }
    if (from > endTxid) {
      return;
    }
    Long2ObjectSortedMap<LongArrayList> range =
        endTxid == Long.MAX_VALUE
            ? pendingByTxid.tailMap(from)
            : pendingByTxid.subMap(from, endTxid + 1);
    if (range.isEmpty()) {
      return;
    }
    scratch.clear();
    LongArrayList emptied = new LongArrayList();
    for (Long2ObjectMap.Entry<LongArrayList> entry : range.long2ObjectEntrySet()) {
      LongArrayList triples = entry.getValue();
      int kept = 0;
      for (int k = 0; k < triples.size(); k += 3) {
        long start = triples.getLong(k);
        long length = triples.getLong(k + 1);
        long allocatingTxid = triples.getLong(k + 2);
        // Born after the older reader's snapshot and dead before the newer one's: nobody sees it.
        if (allocatingTxid != AllocationTracker.UNKNOWN_TXID && allocatingTxid >= beginTxid) {
          unpend(start, length);
        } else {
          triples.set(kept, start);
          triples.set(kept + 1, length);
          triples.set(kept + 2, allocatingTxid);
          kept += 3;
        }
      }
      triples.size(kept);
      if (kept == 0) {
        emptied.add(entry.getLongKey());
      }
    }
    for (int i = 0; i < emptied.size(); i++) {
      pendingByTxid.remove(emptied.getLong(i));
    }
    if (!scratch.isEmpty()) {
      addFreeRuns(scratch);
    }
    trimScratch();
  }

  @Override
  public final void rollback(long txid) {
    if (newestWriteTxid != NO_WRITER && txid < newestWriteTxid) {
      throw new IllegalStateException(
          "cannot roll back txid "
              + txid
              + ": txid "
              + newestWriteTxid
              + " has written since, so it committed");
    }
    if (txid != newestWriteTxid) {
      return;
    }
    LongArrayList allocated = union(newestWriterAllocations);
    for (int k = 0; k < allocated.size(); k += 2) {
      long start = allocated.getLong(k);
      long length = allocated.getLong(k + 1);
      long free = firstFreeIn(start, length);
      if (free >= 0) {
        throw new IllegalStateException(
            "cannot roll back txid "
                + txid
                + ": page "
                + free
                + " it allocated (run "
                + start
                + "+"
                + length
                + ") was released meanwhile");
      }
    }
    LongArrayList freed = pendingByTxid.remove(txid);
    if (freed != null) {
      for (int k = 0; k < freed.size(); k += 3) {
        long start = freed.getLong(k);
        long length = freed.getLong(k + 1);
        long allocatingTxid = freed.getLong(k + 2);
        pendingPages.clear(start, length);
        pendingEntries--;
        // Runs the txid itself allocated go back to free below, with the rest of its allocations.
        if (allocatingTxid != txid && allocatingTxid != AllocationTracker.UNKNOWN_TXID) {
          allocations.record(start, (int) length, allocatingTxid);
        }
      }
    }
    for (int k = 0; k < allocated.size(); k += 2) {
      allocations.forget(allocated.getLong(k), allocated.getLong(k + 1));
    }
    newestWriterAllocations.clear();
    addFreeRuns(allocated);
  }

  @Override
  public final long pendingCount() {
    return pendingPages.cardinality();
  }

  @Override
  public final boolean isPending(long page) {
    return pendingPages.get(page);
  }

  @Override
  public final List<Span> spans() {
    LongArrayList runs = freeRunsInOrder();
    List<Span> spans = new ArrayList<>(runs.size() / 2);
    for (int k = 0; k < runs.size(); k += 2) {
      spans.add(new Span(runs.getLong(k), runs.getLong(k + 1)));
    }
    return spans;
  }

  @Override
  public final void reload(ByteBuffer serialized) {
    load(FreelistFormat.read(serialized));
  }

  /** Replaces everything with the given free runs: sorted, disjoint (see {@link #checkedRuns}). */
  final void load(LongArrayList runs) {
    clear();
    loadFreeRuns(runs);
  }

  /**
   * Makes the given runs free in an empty freelist; they are in ascending order and disjoint, and
   * adjacent ones are to be merged. By default the same as {@link #addFreeRuns}.
   */
  void loadFreeRuns(LongArrayList runs) {
    addFreeRuns(runs);
  }

  /**
   * The first {@code length} values of {@code runs}, checked as {@link Freelist#ofFreeRuns} says.
   */
  static LongArrayList checkedRuns(long[] runs, int length) {
    if (length < 0 || length > runs.length || length % 2 != 0) {
      throw new IllegalArgumentException(
          "run list length " + length + " is odd or outside the array of " + runs.length);
    }
    long previousEnd = FIRST_ALLOCATABLE_PAGE;
    for (int k = 0; k < length; k += 2) {
      long start = runs[k];
      long pages = runs[k + 1];
      if (pages < 1 || start < previousEnd || start > Long.MAX_VALUE - pages) {
        throw new IllegalArgumentException(
            "free run "
                + start
                + "+"
                + pages
                + " is empty, overflows, touches a meta page or is not after the run ending before"
                + " page "
                + previousEnd);
      }
      previousEnd = start + pages;
    }
    return LongArrayList.wrap(Arrays.copyOf(runs, length));
  }

  @Override
  public final void clear() {
    clearFree();
    pendingByTxid.clear();
    scannedThrough.clear();
    pendingPages.clearAll();
    pendingEntries = 0;
    allocations.clear();
    newestWriterAllocations.clear();
    newestWriteTxid = NO_WRITER;
  }

  @Override
  public final int serializedSize() {
    return FreelistFormat.size(freeEntryCount() + pendingEntries);
  }

  @Override
  public final void writeTo(ByteBuffer target) {
    LongArrayList pending = new LongArrayList(pendingEntries * 2);
    for (LongArrayList triples : pendingByTxid.values()) {
      for (int k = 0; k < triples.size(); k += 3) {
        pending.add(triples.getLong(k));
        pending.add(triples.getLong(k + 1));
      }
    }
    FreelistFormat.write(
        target, freeRunsInOrder(), sortPairs(pending), freeEntryCount() + pendingEntries);
  }

  @Override
  public final void checkInvariants() {
    checkFreeInvariants();
    pendingPages.checkInvariants("pending page bits");
    long pages = 0;
    int entries = 0;
    for (Long2ObjectMap.Entry<LongArrayList> entry : pendingByTxid.long2ObjectEntrySet()) {
      long txid = entry.getLongKey();
      LongArrayList triples = entry.getValue();
      if (triples.isEmpty() || triples.size() % 3 != 0) {
        throw new IllegalStateException(
            "pending list of txid " + txid + " has " + triples.size() + " values");
      }
      for (int k = 0; k < triples.size(); k += 3) {
        long start = triples.getLong(k);
        long length = triples.getLong(k + 1);
        long allocatingTxid = triples.getLong(k + 2);
        String run = "pending run " + start + "+" + length + " of txid " + txid;
        if (start < FIRST_ALLOCATABLE_PAGE || length < 1 || length > Integer.MAX_VALUE) {
          throw new IllegalStateException(run + " is out of range");
        }
        if (allocatingTxid > txid || allocatingTxid < 0) {
          throw new IllegalStateException(run + " claims allocating txid " + allocatingTxid);
        }
        if (pendingPages.countIn(start, length) != length) {
          throw new IllegalStateException(run + " is not fully marked pending");
        }
        long free = firstFreeIn(start, length);
        if (free >= 0) {
          throw new IllegalStateException(run + " overlaps free page " + free);
        }
        pages += length;
        entries++;
      }
    }
    if (pages != pendingPages.cardinality() || entries != pendingEntries) {
      throw new IllegalStateException(
          "pending runs hold "
              + pages
              + " pages in "
              + entries
              + " runs but the counters say "
              + pendingPages.cardinality()
              + " pages in "
              + pendingEntries
              + " runs (overlapping pending runs?)");
    }
    allocations.checkInvariants(this);
  }

  /** Throws unless no page of the run is free or pending; used by the allocation tracker. */
  final void requireInUse(long start, long length, String what) {
    long free = firstFreeIn(start, length);
    long pending = pendingPages.firstSetIn(start, length);
    if (free >= 0 || pending >= 0) {
      throw new IllegalStateException(
          "run "
              + start
              + "+"
              + length
              + " "
              + what
              + " has page "
              + (free >= 0 ? free + " free" : pending + " pending"));
    }
  }

  // A release of millions of pages must not pin its batch in memory until the next one.
  private void trimScratch() {
    scratch.clear();
    scratch.trim(SCRATCH_KEPT);
  }

  private void unpend(long start, long length) {
    pendingPages.clear(start, length);
    pendingEntries--;
    scratch.add(start);
    scratch.add(length);
  }

  private void requireWriter(long txid) {
    if (txid < 1) {
      throw new IllegalArgumentException("write txids start at 1, got " + txid);
    }
    if (newestWriteTxid != NO_WRITER && txid < newestWriteTxid) {
      throw new IllegalStateException(
          "txid "
              + txid
              + " is older than txid "
              + newestWriteTxid
              + ", which already wrote: write txids must not decrease");
    }
  }

  private void advanceWriter(long txid) {
    if (txid != newestWriteTxid) {
      newestWriteTxid = txid;
      newestWriterAllocations.clear();
    }
  }

  private static void requirePageCount(int pageCount) {
    if (pageCount < 1) {
      throw new IllegalArgumentException("page count must be at least 1, was " + pageCount);
    }
  }

  /**
   * Returns the union of (start, length) pairs as disjoint pairs in page order. A writer's
   * allocations overlap when it freed a run, the run was released while the writer was still open
   * (releaseRange up to its own txid) and it allocated the pages again.
   */
  private static LongArrayList union(LongArrayList pairs) {
    LongArrayList sorted = sortPairs(new LongArrayList(pairs));
    LongArrayList union = new LongArrayList(sorted.size());
    for (int k = 0; k < sorted.size(); k += 2) {
      long start = sorted.getLong(k);
      long end = start + sorted.getLong(k + 1);
      int n = union.size();
      long previousEnd = n == 0 ? Long.MIN_VALUE : union.getLong(n - 2) + union.getLong(n - 1);
      if (start <= previousEnd) {
        union.set(n - 1, Math.max(previousEnd, end) - union.getLong(n - 2));
      } else {
        union.add(start);
        union.add(end - start);
      }
    }
    return union;
  }

  /**
   * Sorts (start, length) pairs by start. The pairs are split into two arrays for fastutil's
   * two-array quicksort, which compares primitives in place: the generic sort with comparator and
   * swapper lambdas it replaces showed in btree's commit profile (a release sorts a thousand runs).
   */
  static LongArrayList sortPairs(LongArrayList pairs) {
    int n = pairs.size() / 2;
    long[] values = pairs.elements();
    boolean sorted = true;
    for (int i = 1; i < n && sorted; i++) {
      sorted = values[2 * i - 2] <= values[2 * i];
    }
    if (sorted) {
      return pairs;
    }
    long[] starts = new long[n];
    long[] lengths = new long[n];
    for (int i = 0; i < n; i++) {
      starts[i] = values[2 * i];
      lengths[i] = values[2 * i + 1];
    }
    LongArrays.quickSort(starts, lengths);
    for (int i = 0; i < n; i++) {
      values[2 * i] = starts[i];
      values[2 * i + 1] = lengths[i];
    }
    return pairs;
  }
}
