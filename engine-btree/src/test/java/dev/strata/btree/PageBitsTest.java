package dev.strata.btree;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.BitSet;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** {@link PageBits} against {@link BitSet} doing the same, at and across word boundaries. */
class PageBitsTest {

  /** Sorted, disjoint runs from page 2 on, some touching, lengths around a word. */
  private static long[] randomRuns(SplittableRandom random) {
    int count = random.nextInt(200);
    long[] runs = new long[2 * count];
    long next = 2 + random.nextInt(130);
    for (int k = 0; k < count; k++) {
      long length = 1 + random.nextInt(random.nextBoolean() ? 3 : 150);
      runs[2 * k] = next;
      runs[2 * k + 1] = length;
      next += length + (random.nextInt(4) == 0 ? 0 : 1 + random.nextInt(130));
    }
    return runs;
  }

  private static long end(long[] runs) {
    return runs.length == 0 ? 0 : runs[runs.length - 2] + runs[runs.length - 1];
  }

  /** The maximal runs of a reference bit set from page 2, cut at {@code end}. */
  private static long[] runsOf(BitSet bits, long end) {
    long[] runs = new long[0];
    int p = bits.nextSetBit(2);
    while (p >= 0 && p < end) {
      int stop = bits.nextClearBit(p);
      runs = Arrays.copyOf(runs, runs.length + 2);
      runs[runs.length - 2] = p;
      runs[runs.length - 1] = Math.min(stop, end) - p;
      p = bits.nextSetBit(stop);
    }
    return runs;
  }

  @Test
  void randomRunsAndChanges_matchBitSet() {
    SplittableRandom random = TestSupport.random("PageBitsTest");
    for (int round = 0; round < 300; round++) {
      long[] runs = randomRuns(random);
      int end = (int) end(runs);
      PageBits bits = new PageBits(runs, end + random.nextInt(3) * 64);
      BitSet reference = new BitSet();
      for (int k = 0; k < runs.length; k += 2) {
        reference.set((int) runs[k], (int) (runs[k] + runs[k + 1]));
      }
      for (int step = 0; step < 50; step++) {
        int from = random.nextInt(end + 300);
        int to = from + random.nextInt(random.nextBoolean() ? 4 : 200);
        int firstClear = reference.nextClearBit(from);
        int firstSet = reference.nextSetBit(from);
        assertEquals(firstClear < to ? firstClear : -1, bits.first(from, to, false), "clear in");
        assertEquals(
            firstSet >= 0 && firstSet < to ? firstSet : -1, bits.first(from, to, true), "set in");
        if (random.nextBoolean()) {
          bits.set(from, to);
          reference.set(from, to);
        } else {
          bits.clear(from, to);
          reference.clear(from, to);
        }
        assertEquals(reference.length(), bits.length());
      }
      assertEquals(reference, bits.toBitSet());
      long cut = random.nextInt((int) reference.length() + 70);
      PageBits.Runs out = bits.runsBelow(cut);
      assertArrayEquals(runsOf(reference, cut), Arrays.copyOf(out.pairs(), out.size()));
      PageBits.Runs copied = new PageBits(reference).runsBelow(Long.MAX_VALUE);
      assertArrayEquals(
          runsOf(reference, Long.MAX_VALUE), Arrays.copyOf(copied.pairs(), copied.size()));
    }
  }

  @Test
  void wordBoundaries_setClearAndRuns() {
    PageBits bits = new PageBits(new long[] {2, 62, 64, 64, 200, 56}, 256);
    // Pages 2..127 are one run across a word boundary; 200..255 end exactly at a word's end.
    PageBits.Runs runs = bits.runsBelow(Long.MAX_VALUE);
    assertArrayEquals(new long[] {2, 126, 200, 56}, Arrays.copyOf(runs.pairs(), runs.size()));
    assertEquals(256, bits.length());
    bits.clear(63, 65);
    bits.set(256, 320);
    runs = bits.runsBelow(Long.MAX_VALUE);
    assertArrayEquals(
        new long[] {2, 61, 65, 63, 200, 120}, Arrays.copyOf(runs.pairs(), runs.size()));
    assertEquals(-1, bits.first(63, 65, true));
    assertEquals(63, bits.first(2, 400, false));
    assertEquals(320, bits.first(200, 400, false));
    // Pages 0 and 1 are never part of a run, and the cut shortens the run it falls into.
    bits.set(0, 2);
    runs = bits.runsBelow(230);
    assertArrayEquals(
        new long[] {2, 61, 65, 63, 200, 30}, Arrays.copyOf(runs.pairs(), runs.size()));
    assertEquals(0, bits.runsBelow(2).size());
  }
}
