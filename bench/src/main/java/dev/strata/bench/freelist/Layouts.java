package dev.strata.bench.freelist;

import dev.strata.freelist.Freelist;
import java.util.SplittableRandom;

/** Free-space layouts shared by the benchmarks. */
final class Layouts {
  /** Length of the free run after the fragmented region: room for the 8–64 page requests. */
  static final int TAIL_RUN = 64;

  private Layouts() {}

  /**
   * Runs of 1–2 free pages separated by gaps of 1–2 pages in use, {@code freePages} free pages in
   * all, then one free run of {@link #TAIL_RUN} pages: an old, fragmented file whose only room for
   * a multi-page request is near its end, where a first-fit scan has to walk all of it.
   */
  static Freelist fragmented(Freelist.Kind kind, long freePages) {
    Freelist freelist = Freelist.create(kind);
    long end = fragment(freelist, 2, freePages);
    freelist.free(1, end, TAIL_RUN);
    freelist.release(2);
    return freelist;
  }

  /**
   * Frees (under txid 1, not yet released) runs of 1–2 pages with gaps of 1–2 pages from {@code
   * firstPage} on until {@code freePages} pages are freed; returns the first page after them.
   */
  static long fragment(Freelist freelist, long firstPage, long freePages) {
    SplittableRandom random = new SplittableRandom(20_260_121);
    long page = firstPage;
    long placed = 0;
    while (placed < freePages) {
      int length = (int) Math.min(random.nextInt(1, 3), freePages - placed);
      freelist.free(1, page, length);
      placed += length;
      page += length + random.nextInt(1, 3);
    }
    return page + 1;
  }
}
