package dev.strata.freelist;

import it.unimi.dsi.fastutil.longs.LongArrayList;
import java.util.Arrays;

/**
 * bbolt's original freelist, kept as the baseline: every free page id in one sorted {@code long[]}.
 *
 * <p>Allocation scans the array from the start for the first {@code n} consecutive ids (first fit,
 * O(f) for f free pages) and closes the gap with an array copy (O(f)). Releasing pending pages
 * expands them to ids, sorts them and merges them into the array (O(m log m + f)). Memory is 8
 * bytes per free page. Both costs grow with the free space, which is what made bbolt commits take
 * seconds on 40–100 GB files and what {@link HashFreelist} removes.
 */
final class ArrayFreelist extends AbstractFreelist {
  private static final long[] EMPTY = new long[0];

  private long[] ids = EMPTY;
  private int count;

  @Override
  public Kind kind() {
    return Kind.ARRAY;
  }

  @Override
  public long freeCount() {
    return count;
  }

  @Override
  public boolean isFree(long page) {
    return Arrays.binarySearch(ids, 0, count, page) >= 0;
  }

  @Override
  long takeFreeRun(int pageCount) {
    long initial = 0;
    long previous = 0;
    for (int i = 0; i < count; i++) {
      long id = ids[i];
      if (i == 0 || id - previous != 1) {
        initial = id;
      }
      if (id - initial + 1 == pageCount) {
        int first = i - pageCount + 1;
        System.arraycopy(ids, i + 1, ids, first, count - i - 1);
        count -= pageCount;
        return initial;
      }
      previous = id;
    }
    return NONE;
  }

  @Override
  void addFreeRuns(LongArrayList runs) {
    long added = 0;
    for (int k = 1; k < runs.size(); k += 2) {
      added += runs.getLong(k);
    }
    if (added == 0) {
      return;
    }
    if (count + added > Integer.MAX_VALUE - 8) {
      throw new IllegalStateException(
          "sorted-array freelist cannot hold " + (count + added) + " free pages");
    }
    long[] incoming = new long[(int) added];
    int n = 0;
    for (int k = 0; k < runs.size(); k += 2) {
      for (long page = runs.getLong(k), end = page + runs.getLong(k + 1); page < end; page++) {
        incoming[n++] = page;
      }
    }
    Arrays.sort(incoming);
    long[] merged = new long[count + n];
    int i = 0;
    int j = 0;
    int out = 0;
    while (i < count && j < n) {
      merged[out++] = ids[i] < incoming[j] ? ids[i++] : incoming[j++];
    }
    System.arraycopy(ids, i, merged, out, count - i);
    out += count - i;
    System.arraycopy(incoming, j, merged, out, n - j);
    ids = merged;
    count = merged.length;
  }

  @Override
  long firstFreeIn(long start, long length) {
    int i = Arrays.binarySearch(ids, 0, count, start);
    if (i < 0) {
      i = -i - 1;
    }
    return i < count && ids[i] - start < length ? ids[i] : -1;
  }

  @Override
  LongArrayList freeRunsInOrder() {
    LongArrayList runs = new LongArrayList();
    for (int i = 0; i < count; ) {
      int j = i + 1;
      while (j < count && ids[j] == ids[j - 1] + 1) {
        j++;
      }
      runs.add(ids[i]);
      runs.add(j - i);
      i = j;
    }
    return runs;
  }

  @Override
  long freeEntryCount() {
    long runs = 0;
    for (int i = 0; i < count; i++) {
      if (i == 0 || ids[i] != ids[i - 1] + 1) {
        runs++;
      }
    }
    return runs;
  }

  @Override
  void clearFree() {
    ids = EMPTY;
    count = 0;
  }

  @Override
  void checkFreeInvariants() {
    for (int i = 0; i < count; i++) {
      if (ids[i] < FIRST_ALLOCATABLE_PAGE) {
        throw new IllegalStateException("free page id " + ids[i] + " is a meta page");
      }
      if (i > 0 && ids[i] <= ids[i - 1]) {
        throw new IllegalStateException(
            "free page ids not strictly ascending at index "
                + i
                + ": "
                + ids[i - 1]
                + ", "
                + ids[i]);
      }
    }
  }
}
