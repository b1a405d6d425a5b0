package dev.strata.freelist;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The length index against a {@link TreeSet}, around its word and bitmap/tree boundaries. */
class RunLengthIndexTest {

  @Test
  void ceiling_acrossWordAndTreeBoundaries_matchesTreeSet() {
    RunLengthIndex index = new RunLengthIndex();
    TreeSet<Long> oracle = new TreeSet<>();
    long[] lengths = {1, 63, 64, 65, 127, 128, 4031, 4095, 4096, 4097, 1L << 40};
    for (long length : lengths) {
      index.add(length);
      oracle.add(length);
    }
    for (long n = 1; n < 4200; n++) {
      assertCeiling(index, oracle, n);
    }
    assertCeiling(index, oracle, (1L << 40) - 1);
    assertCeiling(index, oracle, (1L << 40) + 1);
  }

  @Test
  void randomAddRemove_matchesTreeSet() {
    long seed = Seeds.base();
    Seeds.run(
        seed,
        random -> {
          RunLengthIndex index = new RunLengthIndex();
          TreeSet<Long> oracle = new TreeSet<>();
          for (int i = 0; i < 20_000; i++) {
            long length = randomLength(random);
            if (random.nextBoolean()) {
              index.add(length);
              oracle.add(length);
            } else {
              index.remove(length);
              oracle.remove(length);
            }
            assertEquals(oracle.size(), index.size());
            assertEquals(oracle.contains(length), index.contains(length));
            assertCeiling(index, oracle, randomLength(random));
          }
        });
  }

  private static long randomLength(SplittableRandom random) {
    return random.nextInt(4) == 0 ? random.nextLong(1, 10_000) : random.nextLong(1, 200);
  }

  private static void assertCeiling(RunLengthIndex index, TreeSet<Long> oracle, long n) {
    Long expected = oracle.ceiling(n);
    assertEquals(expected == null ? -1 : expected, index.ceiling(n), "ceiling(" + n + ")");
  }
}
