package dev.strata.freelist;

import static org.junit.jupiter.api.Assertions.assertEquals;

import it.unimi.dsi.fastutil.longs.LongArrayList;
import java.util.BitSet;
import org.junit.jupiter.api.Test;

/** Range operations and run listing of the sparse bitmap against {@link BitSet}. */
class SparseBitSetTest {

  @Test
  void randomRanges_matchBitSet() {
    long seed = Seeds.base();
    Seeds.run(
        seed,
        random -> {
          SparseBitSet bits = new SparseBitSet();
          BitSet oracle = new BitSet();
          for (int i = 0; i < 5_000; i++) {
            int from = random.nextInt(0, 2_000);
            int count = random.nextInt(1, random.nextBoolean() ? 4 : 300);
            if (i % 1_000 == 999) {
              // Emptied and filled again, as the allocation tracker's start bits are each commit.
              bits.clearAll(16);
              oracle.clear();
            } else if (random.nextBoolean()) {
              bits.set(from, count);
              oracle.set(from, from + count);
            } else {
              bits.clear(from, count);
              oracle.clear(from, from + count);
            }
            int qFrom = random.nextInt(0, 2_100);
            int qCount = random.nextInt(1, 200);
            int next = oracle.nextSetBit(qFrom);
            assertEquals(
                next >= 0 && next < qFrom + qCount ? next : -1, bits.firstSetIn(qFrom, qCount));
            int previous = oracle.previousSetBit(qFrom + qCount - 1);
            assertEquals(previous >= qFrom ? previous : -1, bits.lastSetIn(qFrom, qFrom + qCount));
            assertEquals(
                oracle.get(qFrom, qFrom + qCount).cardinality(), bits.countIn(qFrom, qCount));
            assertEquals(oracle.cardinality(), bits.cardinality());
            if (i % 100 == 0) {
              LongArrayList runs = new LongArrayList();
              bits.runsInOrder(runs);
              assertEquals(runsOf(oracle), runs);
            }
          }
          bits.checkInvariants("bits");
        });
  }

  @Test
  void pagesNearLongMax_doNotOverflow() {
    SparseBitSet bits = new SparseBitSet();
    bits.set(Long.MAX_VALUE - 10, 10);
    assertEquals(10, bits.cardinality());
    assertEquals(Long.MAX_VALUE - 10, bits.firstSetIn(Long.MAX_VALUE - 100, 100));
    assertEquals(Long.MAX_VALUE - 1, bits.lastSetIn(Long.MAX_VALUE - 100, Long.MAX_VALUE));
    bits.clear(Long.MAX_VALUE - 10, 10);
    assertEquals(0, bits.cardinality());
  }

  private static LongArrayList runsOf(BitSet oracle) {
    LongArrayList runs = new LongArrayList();
    for (int p = oracle.nextSetBit(0); p >= 0; p = oracle.nextSetBit(p)) {
      int end = oracle.nextClearBit(p);
      runs.add(p);
      runs.add(end - p);
      p = end;
    }
    return runs;
  }
}
