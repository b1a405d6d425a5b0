package dev.strata.freelist;

import it.unimi.dsi.fastutil.longs.Long2LongMap;
import it.unimi.dsi.fastutil.longs.Long2LongOpenHashMap;
import it.unimi.dsi.fastutil.longs.Long2ObjectMap;
import it.unimi.dsi.fastutil.longs.Long2ObjectOpenHashMap;
import it.unimi.dsi.fastutil.longs.LongArrayList;
import it.unimi.dsi.fastutil.longs.LongOpenHashSet;
import java.util.Arrays;

/**
 * bbolt's hash-segregated freelist, with allocation that does not scan every distinct run length.
 *
 * <p>Free runs are indexed three ways: {@code freemaps} (length → start pages of the runs of that
 * length), {@code forwardMap} (start → length) and {@code backwardMap} (last page → length). A run
 * freed at {@code [s, e]} finds its left neighbour as {@code backwardMap[s - 1]} and its right one
 * as {@code forwardMap[e + 1]}, so merging costs a constant number of hash operations ({@link
 * #mergeWithExistingSpan}).
 *
 * <p><b>Allocation</b> of {@code n} pages takes a run of exactly {@code n} pages when one exists;
 * otherwise it splits the shortest run longer than {@code n} (best fit keeps long runs for long
 * requests), found through {@link RunLengthIndex} in O(1) for lengths below 4096 and O(log d) over
 * d distinct longer lengths. bbolt instead walks every distinct length. Among runs of the chosen
 * length it takes the lowest start page and allocates from the run's low end, so the end of the
 * file empties first and can be truncated.
 *
 * <p>Each length's starts are therefore kept in a {@link StartHeap}, a min-heap with lazy deletion,
 * rather than a hash set (no cheap minimum) or a red-black tree (a 32-byte node per run and
 * pointer-chasing removals on every merge). A run that merges away or is allocated leaves a stale
 * entry that is skipped when it surfaces and purged when stale entries outnumber live ones: the
 * minimum is O(1), insertion O(log k) for the k runs of that length and removal amortized O(log k),
 * with 8 bytes per entry. So allocating an exact-size run or merging a freed run costs a constant
 * number of hash operations plus a heap operation on one length class; none depends on the number
 * of free pages.
 *
 * <p>A {@link SparseBitSet} of free pages answers {@link #isFree} and double-free checks in one
 * hash lookup per 64 pages, which the three maps cannot (a page inside a run is in none of them).
 *
 * <p><b>Memory</b> per free run, measured by {@code FreelistFootprintTest} as the retained-heap
 * delta (serial GC, 64-bit JVM with compressed oops) of reloading 2·10<sup>5</sup> runs of 1–2
 * pages: 96 bytes when runs are dense (gaps of 1–2 pages), 116 bytes when sparse (~200-page gaps).
 * Most of it is {@code forwardMap} and {@code backwardMap}: 16 bytes per slot, sized to a power of
 * two at load factor ≤ 0.75, so 21–43 bytes per run each (42 at that count). The heaps add 8–12
 * bytes per run and the free-page bitmap a 16-byte slot per occupied 64-page word (about 1 byte per
 * run when dense, about 20 when sparse). The sorted array costs 8 bytes per free page instead: less
 * for single pages, far more for long runs.
 */
final class HashFreelist extends AbstractFreelist {
  private final Long2ObjectOpenHashMap<StartHeap> freemaps = new Long2ObjectOpenHashMap<>();
  private Long2LongOpenHashMap forwardMap = new Long2LongOpenHashMap();
  private Long2LongOpenHashMap backwardMap = new Long2LongOpenHashMap();
  private final RunLengthIndex lengths = new RunLengthIndex();
  private final SparseBitSet freePages = new SparseBitSet();
  private long entries;
  // The last emptied per-length heap, reused for the next new length: a run that is split and
  // merged back over and over (the file's tail) would otherwise allocate a heap every time.
  private StartHeap spareHeap;

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
    StartHeap starts = freemaps.get(length);
    if (starts == null) {
      length = lengths.ceiling(pageCount);
      if (length < 0) {
        return NONE;
      }
      starts = freemaps.get(length);
    }
    long runLength = length;
    long start = starts.pollValid(s -> forwardMap.get(s) == runLength);
    removeRun(start, length);
    if (length > pageCount) {
      insertRun(start + pageCount, length - pageCount);
    }
    freePages.clear(start, pageCount);
    return start;
  }

  @Override
  void addFreeRuns(LongArrayList runs) {
    if (runs.size() == 2) {
      mergeWithExistingSpan(runs.getLong(0), runs.getLong(1));
      return;
    }
    sortPairs(runs);
    // Sweep in page order. Released runs separated only by free runs are chained into one run
    // before it is indexed, so a release that stitches m runs together costs O(m) removals and
    // one insertion instead of m insert/remove pairs of an ever-growing run.
    long first = -1;
    long end = -1;
    for (int k = 0; k < runs.size(); k += 2) {
      long start = runs.getLong(k);
      long length = runs.getLong(k + 1);
      freePages.set(start, length);
      if (first >= 0 && start == end) {
        end += length;
        continue;
      }
      if (first >= 0) {
        long between = forwardMap.get(end);
        if (between != 0 && end + between == start) {
          removeRun(end, between);
          end = start + length;
          continue;
        }
        insertMergingRight(first, end);
      }
      long left = backwardMap.get(start - 1);
      first = start;
      if (left != 0) {
        first = start - left;
        removeRun(first, left);
      }
      end = start + length;
    }
    if (first >= 0) {
      insertMergingRight(first, end);
    }
  }

  /**
   * Loads sorted runs into the empty freelist (a store's open): the maps are sized for all of them
   * at once and each merged run is indexed without looking for free neighbours, since the runs
   * before it are merged already and none follows yet.
   */
  @Override
  void loadFreeRuns(LongArrayList runs) {
    int size = runs.size();
    long[] values = runs.elements();
    forwardMap = new Long2LongOpenHashMap(size / 2);
    backwardMap = new Long2LongOpenHashMap(size / 2);
    freePages.load(values, size);
    int k = 0;
    while (k < size) {
      long start = values[k];
      long end = start + values[k + 1];
      k += 2;
      while (k < size && values[k] == end) {
        end += values[k + 1];
        k += 2;
      }
      insertRun(start, end - start);
    }
  }

  // Indexes the free pages [first, end), absorbing a free run that starts at end.
  private void insertMergingRight(long first, long end) {
    long right = forwardMap.get(end);
    if (right != 0) {
      removeRun(end, right);
    }
    insertRun(first, end - first + right);
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
    StartHeap starts = freemaps.get(length);
    if (starts == null) {
      starts = spareHeap != null ? spareHeap : new StartHeap();
      spareHeap = null;
      freemaps.put(length, starts);
      lengths.add(length);
    }
    starts.push(start);
    starts.live++;
    if (starts.needsCompaction()) {
      starts.compact(s -> forwardMap.get(s) == length);
    }
    entries += FreelistFormat.entriesFor(length);
  }

  // The run's heap entry stays behind (lazy deletion); pollValid and compact skip it.
  private void removeRun(long start, long length) {
    forwardMap.remove(start);
    backwardMap.remove(start + length - 1);
    StartHeap starts = freemaps.get(length);
    if (--starts.live == 0) {
      freemaps.remove(length);
      lengths.remove(length);
      starts.clear();
      spareHeap = starts;
    } else if (starts.needsCompaction()) {
      starts.compact(s -> forwardMap.get(s) == length);
    }
    entries -= FreelistFormat.entriesFor(length);
  }

  @Override
  long firstFreeIn(long start, long length) {
    return freePages.firstSetIn(start, length);
  }

  @Override
  LongArrayList freeRunsInOrder() {
    // The free-page bits hold the same maximal runs in fewer, sortable words (see runsInOrder).
    LongArrayList runs = new LongArrayList(forwardMap.size() * 2);
    freePages.runsInOrder(runs);
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
    spareHeap = null;
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
            run
                + " has backwardMap["
                + (start + length - 1)
                + "] = "
                + backwardMap.get(start + length - 1));
      }
      if (!freemaps.containsKey(length)) {
        throw new IllegalStateException(run + " has no freemaps[" + length + "]");
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
    for (Long2ObjectMap.Entry<StartHeap> e : freemaps.long2ObjectEntrySet()) {
      long length = e.getLongKey();
      StartHeap heap = e.getValue();
      LongOpenHashSet valid = new LongOpenHashSet();
      for (int i = 0; i < heap.size(); i++) {
        long start = heap.entry(i);
        if (i > 0 && heap.entry((i - 1) >>> 1) > start) {
          throw new IllegalStateException("freemaps[" + length + "] is not a min-heap at " + i);
        }
        if (forwardMap.get(start) == length) {
          valid.add(start);
        }
      }
      if (heap.live < 1 || valid.size() != heap.live || !lengths.contains(length)) {
        throw new IllegalStateException(
            "freemaps["
                + length
                + "] names "
                + valid.size()
                + " runs, counts "
                + heap.live
                + (lengths.contains(length) ? "" : " and is missing from the length index"));
      }
      indexed += heap.live;
    }
    if (indexed != starts.length || lengths.size() != freemaps.size()) {
      throw new IllegalStateException(
          "freemaps hold "
              + indexed
              + " runs under "
              + freemaps.size()
              + " lengths; forwardMap "
              + starts.length
              + " runs; length index "
              + lengths.size()
              + " lengths");
    }
    if (pages != freePages.cardinality() || expectedEntries != entries) {
      throw new IllegalStateException(
          "free runs hold "
              + pages
              + " pages ("
              + expectedEntries
              + " entries) but the counters"
              + " say "
              + freePages.cardinality()
              + " ("
              + entries
              + ")");
    }
  }
}
