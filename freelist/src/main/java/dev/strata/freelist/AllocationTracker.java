package dev.strata.freelist;

import it.unimi.dsi.fastutil.longs.Long2IntOpenHashMap;
import it.unimi.dsi.fastutil.longs.Long2LongOpenHashMap;
import it.unimi.dsi.fastutil.longs.LongArrayList;
import java.util.Arrays;

/**
 * Which write txid allocated each run that is in use (bbolt's {@code allocs}, kept per run rather
 * than per page). {@code releaseRange} needs the allocating txid of every pending page, and {@code
 * rollback} needs it to put a run freed by the rolled-back transaction back as it was.
 *
 * <p>Runs are keyed by start page; a bit per start page lets {@link #take} find a run that began
 * before the freed pages (the caller freed the tail of an allocation) with a word-wise backward
 * scan bounded by the longest run ever recorded. Pages without a record have allocating txid {@link
 * #UNKNOWN_TXID}.
 *
 * <p>Records are dropped wholesale once every txid recorded since the last drop is below the oldest
 * reader's snapshot ({@link #forgetOlderThan}): a {@code releaseRange} that a reader still needs
 * begins above that snapshot, so those txids could never make a page free there. Without that, the
 * maps held a record for nearly every page of the store (a million-key btree: tens of thousands),
 * and each commit's frees probed them out of cache; now they hold about one commit's allocations.
 */
final class AllocationTracker {
  static final long UNKNOWN_TXID = 0;

  // A commit records and forgets thousands of runs; sized up front, the maps do not shrink and
  // rehash on every commit's frees (that rehashing showed in btree's commit profile).
  private static final int EXPECTED_RUNS = 1 << 13;

  private final Long2LongOpenHashMap txidByStart = new Long2LongOpenHashMap(EXPECTED_RUNS);
  private final Long2IntOpenHashMap lengthByStart = new Long2IntOpenHashMap(EXPECTED_RUNS);
  private final SparseBitSet starts = new SparseBitSet();
  private int longestRun;

  /**
   * Every start recorded since the records were last dropped (some since taken or forgotten): a
   * drop of a few hundred records removes them one by one, instead of clearing tables sized for
   * {@link #EXPECTED_RUNS} (clearing both after every commit showed in btree's commit profile).
   */
  private final LongArrayList recorded = new LongArrayList();

  /** The highest txid recorded since the records were last dropped; UNKNOWN_TXID if none. */
  private long newestTxid = UNKNOWN_TXID;

  void clear() {
    txidByStart.clear();
    txidByStart.trim();
    lengthByStart.clear();
    lengthByStart.trim();
    starts.clearAll();
    recorded.clear();
    recorded.trim();
    longestRun = 0;
    newestTxid = UNKNOWN_TXID;
  }

  /**
   * Drops every record when each txid recorded since the last drop is below {@code
   * oldestReaderTxid}; their pages count as allocated by an unknown txid from then on.
   */
  void forgetOlderThan(long oldestReaderTxid) {
    if (newestTxid == UNKNOWN_TXID || newestTxid >= oldestReaderTxid) {
      return;
    }
    if (recorded.size() <= EXPECTED_RUNS / 8) {
      for (int i = 0, n = recorded.size(); i < n; i++) {
        long start = recorded.getLong(i);
        txidByStart.remove(start);
        lengthByStart.remove(start);
        starts.clear(start, 1);
      }
    } else {
      // Cleared but not shrunk below the expected size: the next commit fills them again.
      txidByStart.clear();
      txidByStart.trim(EXPECTED_RUNS);
      lengthByStart.clear();
      lengthByStart.trim(EXPECTED_RUNS);
      starts.clearAll(EXPECTED_RUNS);
    }
    if (recorded.size() > EXPECTED_RUNS) {
      recorded.clear();
      recorded.trim(EXPECTED_RUNS);
    } else {
      recorded.clear();
    }
    longestRun = 0;
    newestTxid = UNKNOWN_TXID;
  }

  void record(long start, int length, long txid) {
    newestTxid = Math.max(newestTxid, txid);
    recorded.add(start);
    txidByStart.put(start, txid);
    lengthByStart.put(start, length);
    starts.set(start, 1);
    longestRun = Math.max(longestRun, length);
  }

  /**
   * Forgets the runs in use inside {@code start .. start + length - 1} and appends the pages as
   * triples (start, length, allocating txid) to {@code out}, merging with the last triple when
   * contiguous and of the same txid. A run reaching outside the range is split and its outer part
   * stays recorded.
   */
  void take(long start, int length, LongArrayList out) {
    long end = start + length;
    if (lengthByStart.isEmpty()) {
      append(out, start, length, UNKNOWN_TXID);
      return;
    }
    splitAt(start);
    splitAt(end);
    long page = start;
    while (page < end) {
      if (starts.get(page)) {
        int runLength = remove(page);
        append(out, page, runLength, txidOf(page));
        txidByStart.remove(page);
        page += runLength;
      } else {
        long next = starts.firstSetIn(page, end - page);
        long stop = next < 0 ? end : next;
        append(out, page, stop - page, UNKNOWN_TXID);
        page = stop;
      }
    }
  }

  /** Forgets every recorded run starting inside {@code start .. start + length - 1}. */
  void forget(long start, long length) {
    long end = start + length;
    for (long page = starts.firstSetIn(start, length);
        page >= 0;
        page = page + 1 < end ? starts.firstSetIn(page + 1, end - page - 1) : -1) {
      remove(page);
      txidByStart.remove(page);
    }
  }

  /**
   * Throws unless the indexes agree, runs do not overlap and, via {@code owner}, no recorded page
   * is free or pending.
   */
  void checkInvariants(AbstractFreelist owner) {
    int runs = lengthByStart.size();
    if (txidByStart.size() != runs || starts.cardinality() != runs) {
      throw new IllegalStateException(
          "allocation records disagree: "
              + txidByStart.size()
              + " txids, "
              + lengthByStart.size()
              + " lengths, "
              + starts.cardinality()
              + " start bits");
    }
    starts.checkInvariants("allocation start bits");
    long[] keys = lengthByStart.keySet().toLongArray();
    Arrays.sort(keys);
    long previousEnd = Long.MIN_VALUE;
    for (long start : keys) {
      int length = lengthByStart.get(start);
      if (!txidByStart.containsKey(start) || !starts.get(start)) {
        throw new IllegalStateException("allocated run at page " + start + " lacks a txid or bit");
      }
      if (length < 1 || length > longestRun || start < Freelist.FIRST_ALLOCATABLE_PAGE) {
        throw new IllegalStateException(
            "allocated run " + start + "+" + length + " is invalid (longest " + longestRun + ")");
      }
      if (start < previousEnd) {
        throw new IllegalStateException(
            "allocated run at page " + start + " overlaps the one ending at " + (previousEnd - 1));
      }
      owner.requireInUse(start, length, "allocated by txid " + txidByStart.get(start));
      previousEnd = start + length;
    }
  }

  // Splits the recorded run covering page p, if it starts before p, into [begin, p) and [p, end).
  private void splitAt(long page) {
    if (starts.get(page)) {
      return;
    }
    long from = Math.max(Freelist.FIRST_ALLOCATABLE_PAGE, page - longestRun + 1);
    long begin = starts.lastSetIn(from, page);
    if (begin < 0) {
      return;
    }
    int length = lengthByStart.get(begin);
    if (begin + length <= page) {
      return;
    }
    long txid = txidOf(begin);
    lengthByStart.put(begin, (int) (page - begin));
    record(page, (int) (begin + length - page), txid);
  }

  private int remove(long start) {
    starts.clear(start, 1);
    int length = lengthByStart.remove(start);
    if (lengthByStart.isEmpty()) {
      longestRun = 0;
    }
    return length;
  }

  private long txidOf(long start) {
    return txidByStart.get(start);
  }

  private static void append(LongArrayList out, long start, long length, long txid) {
    int n = out.size();
    if (n >= 3 && out.getLong(n - 1) == txid && out.getLong(n - 3) + out.getLong(n - 2) == start) {
      out.set(n - 2, out.getLong(n - 2) + length);
    } else {
      out.add(start);
      out.add(length);
      out.add(txid);
    }
  }
}
