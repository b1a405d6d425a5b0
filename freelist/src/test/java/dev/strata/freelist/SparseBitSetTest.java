package dev.strata.freelist;

import static org.junit.jupiter.api.Assertions.assertEquals;

import it.unimi.dsi.fastutil.longs.LongArrayList;
import java.util.BitSet;
import org.junit.jupiter.api.Test;

/** Range operations of the sparse bitmap against {@link BitSet}. */
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
            if (random.nextBoolean()) {
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

  @Test
  void runsInOrder_matchBitSetRuns() {
    long seed = Seeds.base();
    Seeds.run(
        seed,
        random -> {
          SparseBitSet bits = new SparseBitSet();
          BitSet oracle = new BitSet();
          for (int i = 0; i < 500; i++) {
            int from = random.nextInt(0, 5_000);
            int count = random.nextInt(1, random.nextBoolean() ? 3 : 200);
            if (random.nextInt(3) > 0) {
              bits.set(from, count);
              oracle.set(from, from + count);
            } else {
              bits.clear(from, count);
              oracle.clear(from, from + count);
            }
            LongArrayList expected = new LongArrayList();
            for (int p = oracle.nextSetBit(0); p >= 0; p = oracle.nextSetBit(p)) {
              int end = oracle.nextClearBit(p);
              expected.add(p);
              expected.add(end - p);
              p = end;
            }
            LongArrayList runs = new LongArrayList();
            bits.runsInOrder(runs);
            assertEquals(expected, runs);
          }
        });
  }
}
