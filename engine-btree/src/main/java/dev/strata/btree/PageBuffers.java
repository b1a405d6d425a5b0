package dev.strata.btree;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The page buffers of nodes in page form ({@link SlottedPage}) and of the one-page parts a split
 * encodes ({@link Node#encodePage}), recycled from one commit to the next, so the thousand or more
 * pages a commit of random puts dirties are neither allocated nor zeroed anew (about 5 GB per
 * million puts before). New buffers are cut from heap slabs of {@link #SLAB_PAGES} pages. Direct
 * buffers, written without the copy into the commit's gather buffer, were tried and measured no
 * better: the kernel then copied each page from memory the commit had not touched for a while,
 * instead of from the small, cache-warm gather buffer (see README).
 *
 * <p>A buffer may be given back only once nothing reads it any more: commit gives back the pages it
 * has written, after the write returned (the kernel has copied them). Buffers of a transaction that
 * rolls back are simply dropped. At most {@link #MAX_POOLED_BYTES} are kept between commits, so one
 * huge transaction does not pin its memory for good.
 *
 * <p>Writer-only (the engine's writer gate), not thread-safe.
 */
final class PageBuffers {
  static final int SLAB_PAGES = 64;
  static final int MAX_POOLED_BYTES = 32 << 20;

  private final int pageSize;
  private final int maxPooled;
  private ByteBuffer[] pool = new ByteBuffer[SLAB_PAGES];
  private int pooled;
  private ByteBuffer slab;
  private int slabNext = SLAB_PAGES;

  PageBuffers(int pageSize) {
    this.pageSize = pageSize;
    this.maxPooled = Math.max(SLAB_PAGES, MAX_POOLED_BYTES / pageSize);
  }

  /**
   * A little-endian buffer of one page, position 0 and limit the page size: a new one is all zeros,
   * a recycled one holds the bytes of its last use (a {@link SlottedPage}, which keeps zeros after
   * its used length).
   */
  ByteBuffer take() {
    if (pooled > 0) {
      ByteBuffer b = pool[--pooled];
      pool[pooled] = null;
      return b;
    }
    if (slabNext == SLAB_PAGES) {
      slab = ByteBuffer.allocate(SLAB_PAGES * pageSize);
      slabNext = 0;
    }
    int from = slabNext++ * pageSize;
    return slab.slice(from, pageSize).order(ByteOrder.LITTLE_ENDIAN);
  }

  /**
   * Takes back a buffer {@link #take} handed out, once nothing reads it; beyond the pool's limit
   * the buffer is dropped.
   */
  void give(ByteBuffer page) {
    if (pooled == maxPooled) {
      return;
    }
    if (pooled == pool.length) {
      pool = Arrays.copyOf(pool, Math.min(maxPooled, pool.length * 2));
    }
    pool[pooled++] = page.clear();
  }

  /** Buffers kept for reuse (tests). */
  int pooled() {
    return pooled;
  }
}
