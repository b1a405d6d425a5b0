package dev.strata.freelist;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The contract suite on {@link HashFreelist}, plus its allocation policy. */
class HashFreelistTest extends FreelistContractTest {
  @Override
  Freelist.Kind kind() {
    return Freelist.Kind.HASH;
  }

  @Test
  void allocate_noExactRun_splitsShortestLongerRun() {
    makeFree(10, 9, 30, 5, 50, 7);
    assertEquals(30, freelist.allocate(2, 4));
    assertEquals(spans(10, 9, 34, 1, 50, 7), freelist.spans());
  }

  @Test
  void allocate_exactSizeRunAvailable_takesItOverLowerLongerRun() {
    makeFree(10, 9, 60, 3);
    assertEquals(60, freelist.allocate(2, 3));
  }

  @Test
  void allocate_equalLengthRuns_takesLowestStart() {
    makeFree(90, 4, 30, 4, 60, 4);
    assertEquals(30, freelist.allocate(2, 4));
    assertEquals(60, freelist.allocate(2, 2));
  }

  @Test
  void allocate_lengthsAboveBitmapRange_useTreeFallback() {
    makeFree(10, 5000, 20_000, 4200, 40_000, 4100);
    assertEquals(40_000, freelist.allocate(2, 4097));
    assertEquals(20_000, freelist.allocate(2, 4101));
    assertEquals(10, freelist.allocate(2, 4095));
  }
}
