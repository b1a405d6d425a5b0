package dev.strata.freelist;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The oracle: the freelist's contract written as plainly as possible, one entry per page. Pages
 * {@code 2 .. fileEnd - 1} exist; each is free, pending (with freeing and allocating txid) or in
 * use (with its allocating txid when known).
 */
final class FreelistModel {
  private static final long NO_WRITER = Long.MIN_VALUE;

  final Freelist.Kind kind;
  final BitSet free = new BitSet();
  final BitSet pending = new BitSet();
  final Map<Integer, Long> pendingFreedBy = new HashMap<>();
  final Map<Integer, Long> pendingAllocatedBy = new HashMap<>();
  final Map<Integer, Long> allocatedBy = new HashMap<>();

  /** The highest allocating txid recorded since release last forgot them (0: none). */
  long newestRecorded;

  final Set<Integer> newestWriterAllocated = new HashSet<>();
  long newestWriter = NO_WRITER;
  int fileEnd;

  FreelistModel(Freelist.Kind kind, int fileEnd) {
    this.kind = kind;
    this.fileEnd = fileEnd;
  }

  boolean inUse(int page) {
    return page >= 2 && page < fileEnd && !free.get(page) && !pending.get(page);
  }

  /** The start the implementation must return for {@code allocate(n)}, or NONE. */
  long expectedAllocation(int n) {
    long best = Freelist.NONE;
    long bestLength = Long.MAX_VALUE;
    for (long[] run : runs(free)) {
      if (run[1] < n) {
        continue;
      }
      if (kind == Freelist.Kind.ARRAY) {
        return run[0];
      }
      if (run[1] < bestLength) {
        best = run[0];
        bestLength = run[1];
      }
    }
    return best;
  }

  void allocated(long txid, long start, int n) {
    advance(txid);
    for (int p = (int) start; p < start + n; p++) {
      free.clear(p);
      allocatedBy.put(p, txid);
      newestRecorded = Math.max(newestRecorded, txid);
      newestWriterAllocated.add(p);
    }
  }

  /** The caller grew the file because allocate returned NONE: new pages, allocator unknown. */
  void grew(long txid, int n) {
    advance(txid);
    fileEnd += n;
  }

  void freed(long txid, long start, int n) {
    advance(txid);
    for (int p = (int) start; p < start + n; p++) {
      pending.set(p);
      pendingFreedBy.put(p, txid);
      Long allocator = allocatedBy.remove(p);
      pendingAllocatedBy.put(p, allocator == null ? 0L : allocator);
    }
  }

  void released(long oldestReader) {
    if (newestRecorded < oldestReader) {
      allocatedBy.clear();
      newestRecorded = 0;
    }
    for (int p = pending.nextSetBit(0); p >= 0; p = pending.nextSetBit(p + 1)) {
      if (pendingFreedBy.get(p) < oldestReader) {
        unpend(p);
        free.set(p);
      }
    }
  }

  void releasedRange(long begin, long end) {
    for (int p = pending.nextSetBit(0); p >= 0; p = pending.nextSetBit(p + 1)) {
      long freedBy = pendingFreedBy.get(p);
      long allocator = pendingAllocatedBy.get(p);
      if (freedBy >= begin && freedBy <= end && allocator != 0 && allocator >= begin) {
        unpend(p);
        free.set(p);
      }
    }
  }

  /** Whether rollback(txid) must throw. */
  boolean rollbackRejected(long txid) {
    if (newestWriter != NO_WRITER && txid < newestWriter) {
      return true;
    }
    return txid == newestWriter && newestWriterAllocated.stream().anyMatch(free::get);
  }

  void rolledBack(long txid) {
    if (txid != newestWriter) {
      return;
    }
    for (int p = pending.nextSetBit(0); p >= 0; p = pending.nextSetBit(p + 1)) {
      if (pendingFreedBy.get(p) == txid) {
        long allocator = pendingAllocatedBy.get(p);
        unpend(p);
        if (allocator != 0 && allocator != txid) {
          allocatedBy.put(p, allocator);
          newestRecorded = Math.max(newestRecorded, allocator);
        }
      }
    }
    for (int p : newestWriterAllocated) {
      allocatedBy.remove(p);
      free.set(p);
    }
    newestWriterAllocated.clear();
  }

  void reloaded() {
    free.or(pending);
    pending.clear();
    pendingFreedBy.clear();
    pendingAllocatedBy.clear();
    allocatedBy.clear();
    newestRecorded = 0;
    newestWriterAllocated.clear();
    newestWriter = NO_WRITER;
  }

  List<Span> freeSpans() {
    List<Span> spans = new ArrayList<>();
    for (long[] run : runs(free)) {
      spans.add(new Span(run[0], run[1]));
    }
    return spans;
  }

  List<Span> freeAndPendingSpans() {
    BitSet both = (BitSet) free.clone();
    both.or(pending);
    List<Span> spans = new ArrayList<>();
    for (long[] run : runs(both)) {
      spans.add(new Span(run[0], run[1]));
    }
    return spans;
  }

  private void unpend(int p) {
    pending.clear(p);
    pendingFreedBy.remove(p);
    pendingAllocatedBy.remove(p);
  }

  private void advance(long txid) {
    if (txid != newestWriter) {
      newestWriter = txid;
      newestWriterAllocated.clear();
    }
  }

  private static List<long[]> runs(BitSet bits) {
    List<long[]> runs = new ArrayList<>();
    for (int p = bits.nextSetBit(0); p >= 0; ) {
      int end = bits.nextClearBit(p);
      runs.add(new long[] {p, end - p});
      p = bits.nextSetBit(end);
    }
    return runs;
  }
}
