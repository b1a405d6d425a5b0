package dev.strata.freelist;

import java.util.Arrays;
import java.util.function.LongPredicate;

/**
 * The start pages of the free runs of one length, as a binary min-heap over a {@code long[]} with
 * lazy deletion: a run that merges or is allocated leaves its entry behind, and readers skip
 * entries that no longer name a run of this length. Compared with a red-black tree this costs 8
 * bytes per entry instead of a 32-byte node, removal is free, and insertion sifts through a
 * contiguous array. {@link #live} counts the runs; stale entries are purged by {@link #compact}
 * once they outnumber the live ones, which keeps the heap within a constant factor of {@code live}
 * and the amortized cost of every operation O(log k).
 */
final class StartHeap {
  private long[] heap = new long[4];
  private int size;

  /** Runs of this length that exist; entries beyond them are stale or duplicates. */
  int live;

  int size() {
    return size;
  }

  long entry(int index) {
    return heap[index];
  }

  boolean needsCompaction() {
    return size > 2 * live + 8;
  }

  void push(long start) {
    if (size == heap.length) {
      heap = Arrays.copyOf(heap, size + (size >> 1) + 1);
    }
    int i = size++;
    while (i > 0) {
      int parent = (i - 1) >>> 1;
      if (heap[parent] <= start) {
        break;
      }
      heap[i] = heap[parent];
      i = parent;
    }
    heap[i] = start;
  }

  /** Removes and returns the smallest entry for which {@code valid} holds, dropping stale ones. */
  long pollValid(LongPredicate valid) {
    while (true) {
      long top = heap[0];
      long last = heap[--size];
      siftDown(last);
      if (valid.test(top)) {
        return top;
      }
    }
  }

  /** Keeps only distinct entries for which {@code valid} holds. */
  void compact(LongPredicate valid) {
    Arrays.sort(heap, 0, size);
    int kept = 0;
    for (int i = 0; i < size; i++) {
      long start = heap[i];
      if ((kept == 0 || heap[kept - 1] != start) && valid.test(start)) {
        heap[kept++] = start;
      }
    }
    // A sorted array already is a min-heap.
    size = kept;
    if (heap.length > 2 * kept + 16) {
      heap = Arrays.copyOf(heap, kept + (kept >> 1) + 4);
    }
  }

  void clear() {
    size = 0;
    live = 0;
    if (heap.length > 64) {
      heap = new long[4];
    }
  }

  private void siftDown(long value) {
    if (size == 0) {
      return;
    }
    int i = 0;
    int half = size >>> 1;
    while (i < half) {
      int child = 2 * i + 1;
      int right = child + 1;
      if (right < size && heap[right] < heap[child]) {
        child = right;
      }
      if (value <= heap[child]) {
        break;
      }
      heap[i] = heap[child];
      i = child;
    }
    heap[i] = value;
  }
}
