package dev.strata.freelist;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The contract suite on {@link ArrayFreelist}, plus its first-fit policy. */
class ArrayFreelistTest extends FreelistContractTest {
  @Override
  Freelist.Kind kind() {
    return Freelist.Kind.ARRAY;
  }

  @Test
  void allocate_noExactRun_takesFirstRunLongEnough() {
    makeFree(10, 9, 30, 5, 50, 4);
    assertEquals(10, freelist.allocate(2, 4));
    assertEquals(spans(14, 5, 30, 5, 50, 4), freelist.spans());
  }
}
