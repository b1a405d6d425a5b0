package dev.strata.freelist;

import it.unimi.dsi.fastutil.longs.Long2LongMap;
import it.unimi.dsi.fastutil.longs.Long2LongOpenHashMap;
import it.unimi.dsi.fastutil.longs.Long2ObjectMap;
import it.unimi.dsi.fastutil.longs.Long2ObjectOpenHashMap;
import it.unimi.dsi.fastutil.longs.LongArrayList;
import it.unimi.dsi.fastutil.longs.LongRBTreeSet;
import java.util.Arrays;

/**
 * bbolt's hash-segregated freelist, with allocation that does not scan every distinct run length.
 *
 * <p>Free runs are indexed three ways: {@code freemaps} (length → start pages of the runs of that
 * length), {@code forwardMap} (start → length) and {@code backwardMap} (last page → length). A run
 * freed at {@code [s, e]} finds its left neighbour as {@code backwardMap[s - 1]} and its right one
 * as {@code forwardMap[e + 1]}, so merging costs a constant number of hash operations
 * ({@link #mergeWithExistingSpan}).
 *
 * <p><b>Allocation</b> of {@code n} pages takes a run of exactly {@code n} pages when one exists;
 * otherwise it splits the shortest run longer than {@code n} (best fit keeps long runs for long
 * requests), found through {@link RunLengthIndex} in O(1) for lengths below 4096 and O(log d)
 * over d distinct longer lengths. bbolt instead walks every distinct length. Among runs of the
 * chosen length it takes the lowest start page and allocates from the run's low end, so the end
 * of the file empties first and can be truncated. Each length's starts are therefore a {@link
 * LongRBTreeSet}: its minimum is a cached pointer (O(1)) and insert/remove are O(log k) for the k
 * runs of that length. A binary heap would be smaller but cannot remove an arbitrary start when a
 * run merges with a neighbour; a hash set cannot give its minimum without a scan.
 *
 * <p>A {@link SparseBitSet} of free pages answers {@link #isFree} and double-free checks in one
 * hash lookup per 64 pages, which the three maps cannot (a page inside a run is in none of them).
 *
 * <p><b>Memory</b> per free run, measured by {@code FreelistFootprintTest} as the retained-heap
 * delta (serial GC, 64-bit JVM with compressed oops) of reloading 2·10<sup>5</sup> runs of 1–2
 * pages: 117 bytes when runs are dense (gaps of 1–2 pages), 137 bytes when sparse (~200-page
 * gaps). It is {@code forwardMap} and {@code backwardMap} at 16 bytes per slot, sized to a power
 * of two at load factor ≤ 0.75 (21–43 bytes per run each; 42 at that count), one red-black tree
 * node in {@code freemaps} (32 bytes), and the free-page bitmap's share of a 16-byte slot per
 * occupied 64-page word (about 1 byte per run when dense, about 20 when sparse). The sorted array
 * costs 8 bytes per free page instead: less for single pages, far more for long runs.
 */
final class HashFreelist extends AbstractFreelist {
  private final Long2ObjectOpenHashMap<LongRBTreeSet> freemaps = new Long2ObjectOpenHashMap<>();
  private final Long2LongOpenHashMap forwardMap = new Long2LongOpenHashMap();
  private final Long2LongOpenHashMap backwardMap = new Long2LongOpenHashMap();
  private final RunLengthIndex lengths = new RunLengthIndex();
  private final SparseBitSet freePages = new SparseBitSet();
  private long entries;
  // The last emptied per-length set, reused for the next new length: a run that is split and
  // merged back over and over (the file's tail) would otherwise allocate a set every time.
  private LongRBTreeSet spareSet;

  @Override
  public Kind kind() {
    return Kind.HASH;
  }

  @Override
  public long freeCount() {
    return freePages.cardinality();
  }

  @Override
  public boolean isFree(long page) {
    return freePages.get(page);
  }

  @Override
  long takeFreeRun(int pageCount) {
    long length = pageCount;
    LongRBTreeSet starts = freemaps.get(length);
    if (starts == null) {
      length = lengths.ceiling(pageCount);
      if (length < 0) {
        return NONE;
      }
      starts = freemaps.get(length);
    }
    long start = starts.firstLong();
    removeRun(start, length);
    if (length > pageCount) {
      insertRun(start + pageCount, length - pageCount);
    }
    freePages.clear(start, pageCount);
    return start;
  }

  @Override
  void addFreeRuns(LongArrayList runs) {
    for (int k = 0; k < runs.size(); k += 2) {
      mergeWithExistingSpan(runs.getLong(k), runs.getLong(k + 1));
    }
  }

  /** Makes {@code start .. start + length - 1} free, merged with the free runs it touches. */
  private void mergeWithExistingSpan(long start, long length) {
    long first = start;
    long merged = length;
    long left = backwardMap.get(start - 1);
    if (left != 0) {
      first = start - left;
      removeRun(first, left);
      merged += left;
    }
    long right = forwardMap.get(start + length);
    if (right != 0) {
      removeRun(start + length, right);
      merged += right;
    }
    insertRun(first, merged);
    freePages.set(start, length);
  }

  private void insertRun(long start, long length) {
    forwardMap.put(start, length);
    backwardMap.put(start + length - 1, length);
    LongRBTreeSet starts = freemaps.get(length);
    if (starts == null) {
      starts = spareSet != null ? spareSet : new LongRBTreeSet();
      spareSet = null;
      freemaps.put(length, starts);
      lengths.add(length);
    }
    starts.add(start);
    entries += FreelistFormat.entriesFor(length);
  }

  private void removeRun(long start, long length) {
    forwardMap.remove(start);
    backwardMap.remove(start + length - 1);
    LongRBTreeSet starts = freemaps.get(length);
    starts.remove(start);
    if (starts.isEmpty()) {
      freemaps.remove(length);
      lengths.remove(length);
      spareSet = starts;
    }
    entries -= FreelistFormat.entriesFor(length);
  }

  @Override
  long firstFreeIn(long start, long length) {
    return freePages.firstSetIn(start, length);
  }

  @Override
  LongArrayList freeRunsInOrder() {
    long[] starts = forwardMap.keySet().toLongArray();
    Arrays.sort(starts);
    LongArrayList runs = new LongArrayList(starts.length * 2);
    for (long start : starts) {
      runs.add(start);
      runs.add(forwardMap.get(start));
    }
    return runs;
  }

  @Override
  long freeEntryCount() {
    return entries;
  }

  @Override
  void clearFree() {
    freemaps.clear();
    freemaps.trim();
    forwardMap.clear();
    forwardMap.trim();
    backwardMap.clear();
    backwardMap.trim();
    lengths.clear();
    spareSet = null;
    freePages.clearAll();
    entries = 0;
  }

  @Override
  void checkFreeInvariants() {
    freePages.checkInvariants("free page bits");
    if (forwardMap.size() != backwardMap.size()) {
      throw new IllegalStateException(
          "forwardMap has " + forwardMap.size() + " runs, backwardMap " + backwardMap.size());
    }
    long[] starts = forwardMap.keySet().toLongArray();
    Arrays.sort(starts);
    long pages = 0;
    long expectedEntries = 0;
    long previousEnd = Long.MIN_VALUE;
    for (long start : starts) {
      long length = forwardMap.get(start);
      String run = "free run " + start + "+" + length;
      if (length < 1 || start < FIRST_ALLOCATABLE_PAGE || start > Long.MAX_VALUE - length) {
        throw new IllegalStateException(run + " is out of range");
      }
      if (backwardMap.get(start + length - 1) != length) {
        throw new IllegalStateException(
            run + " has backwardMap[" + (start + length - 1) + "] = "
                + backwardMap.get(start + length - 1));
      }
      LongRBTreeSet sameLength = freemaps.get(length);
      if (sameLength == null || !sameLength.contains(start)) {
        throw new IllegalStateException(run + " is missing from freemaps[" + length + "]");
      }
      if (start < previousEnd) {
        throw new IllegalStateException(run + " overlaps the run ending at " + (previousEnd - 1));
      }
      if (start == previousEnd) {
        throw new IllegalStateException(run + " touches the previous run but was not merged");
      }
      if (freePages.countIn(start, length) != length) {
        throw new IllegalStateException(run + " is not fully marked in the free page bits");
      }
      pages += length;
      expectedEntries += FreelistFormat.entriesFor(length);
      previousEnd = start + length;
    }
    for (Long2LongMap.Entry e : backwardMap.long2LongEntrySet()) {
      if (forwardMap.get(e.getLongKey() - e.getLongValue() + 1) != e.getLongValue()) {
        throw new IllegalStateException(
            "backwardMap[" + e.getLongKey() + "] = " + e.getLongValue() + " has no forward run");
      }
    }
    long indexed = 0;
    for (Long2ObjectMap.Entry<LongRBTreeSet> e : freemaps.long2ObjectEntrySet()) {
      if (e.getValue().isEmpty() || !lengths.contains(e.getLongKey())) {
        throw new IllegalStateException(
            "freemaps[" + e.getLongKey() + "] is empty or missing from the length index");
      }
      indexed += e.getValue().size();
    }
    if (indexed != starts.length || lengths.size() != freemaps.size()) {
      throw new IllegalStateException(
          "freemaps hold " + indexed + " runs under " + freemaps.size() + " lengths; forwardMap "
              + starts.length + " runs; length index " + lengths.size() + " lengths");
    }
    if (pages != freePages.cardinality() || expectedEntries != entries) {
      throw new IllegalStateException(
          "free runs hold " + pages + " pages (" + expectedEntries + " entries) but the counters"
              + " say " + freePages.cardinality() + " (" + entries + ")");
    }
  }
}
