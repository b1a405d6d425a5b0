package dev.strata.freelist;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Retained heap per free run, measured as the heap-in-use delta (after full GCs) of reloading a
 * freelist from serialized bytes that were built beforehand, so only the freelist's own indexes are
 * counted. Prints the figures quoted in the README and in {@link HashFreelist}'s javadoc; asserts
 * generous bounds so a representation change that doubles the cost is noticed.
 */
class FreelistFootprintTest {
  private static final int RUNS = 200_000;

  @Test
  void hashFreelist_denseRuns_costAbout100BytesEach() {
    double perRun = bytesPerRun(Freelist.Kind.HASH, serialized(RUNS, 2));
    System.out.printf("HASH fragmented (1-2 page runs, 1-2 page gaps): %.1f bytes/run%n", perRun);
    assertTrue(perRun < 130, perRun + " bytes per run");
  }

  @Test
  void hashFreelist_sparseRuns_costAtMostOneBitmapWordMore() {
    double perRun = bytesPerRun(Freelist.Kind.HASH, serialized(RUNS, 200));
    System.out.printf("HASH sparse (1-2 page runs, ~200 page gaps): %.1f bytes/run%n", perRun);
    assertTrue(perRun < 150, perRun + " bytes per run");
  }

  @Test
  void arrayFreelist_costsEightBytesPerFreePage() {
    ByteBuffer bytes = serialized(RUNS, 2);
    long pages = Freelist.readFrom(bytes.duplicate(), Freelist.Kind.HASH).freeCount();
    double perRun = bytesPerRun(Freelist.Kind.ARRAY, bytes);
    double perPage = perRun * RUNS / pages;
    System.out.printf("ARRAY fragmented: %.1f bytes/run, %.1f bytes/free page%n", perRun, perPage);
    assertTrue(perPage < 9, perPage + " bytes per free page");
  }

  /** Runs of 1–2 pages separated by gaps averaging {@code gap} pages. */
  private static ByteBuffer serialized(int runs, int gap) {
    SplittableRandom random = new SplittableRandom(7);
    Freelist builder = Freelist.create(Freelist.Kind.HASH);
    long page = 2;
    for (int i = 0; i < runs; i++) {
      int length = random.nextInt(1, 3);
      builder.free(1, page, length);
      page += length + random.nextInt(1, 2 * gap);
    }
    builder.release(2);
    ByteBuffer bytes = ByteBuffer.allocate(builder.serializedSize());
    builder.writeTo(bytes);
    return bytes.flip();
  }

  private static double bytesPerRun(Freelist.Kind kind, ByteBuffer bytes) {
    long before = usedHeap();
    Freelist freelist = Freelist.readFrom(bytes.duplicate(), kind);
    long after = usedHeap();
    int runs = freelist.spans().size();
    assertTrue(runs == RUNS, "expected " + RUNS + " runs, got " + runs);
    return (double) (after - before) / runs;
  }

  private static long usedHeap() {
    Runtime runtime = Runtime.getRuntime();
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 4; i++) {
      System.gc();
      used = Math.min(used, runtime.totalMemory() - runtime.freeMemory());
    }
    return used;
  }
}
