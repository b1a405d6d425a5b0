package dev.strata.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class KeyRangeTest {
  private static byte[] bytes(int... v) {
    byte[] out = new byte[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = (byte) v[i];
    }
    return out;
  }

  @Test
  void compare_isUnsignedAndPrefixFirst() {
    assertTrue(KeyRange.compare(bytes(0x7F), bytes(0x80)) < 0);
    assertTrue(KeyRange.compare(bytes(0x01), bytes(0x01, 0x00)) < 0);
    assertTrue(KeyRange.compare(bytes(0xFF), bytes(0x00, 0xFF)) > 0);
    assertEquals(0, KeyRange.compare(bytes(1, 2), bytes(1, 2)));
  }

  @Test
  void prefix_upperBoundIsSuccessorSkippingTrailing0xFF() {
    KeyRange r = KeyRange.prefix(bytes(0x61, 0xFF, 0xFF));
    assertArrayEquals(bytes(0x61, 0xFF, 0xFF), r.lowerBound());
    assertArrayEquals(bytes(0x62), r.upperBound());
    assertTrue(r.contains(bytes(0x61, 0xFF, 0xFF, 0x00)));
    assertFalse(r.contains(bytes(0x62)));
  }

  @Test
  void prefix_allFF_isUnboundedAbove() {
    KeyRange r = KeyRange.prefix(bytes(0xFF, 0xFF));
    assertNull(r.upperBound());
    assertTrue(r.contains(bytes(0xFF, 0xFF, 0xFF, 0xFF)));
    assertFalse(r.contains(bytes(0xFF, 0xFE)));
  }

  @Test
  void prefix_empty_isAll() {
    assertEquals(KeyRange.all(), KeyRange.prefix(new byte[0]));
  }

  @Test
  void between_fromNotBelowTo_isEmpty() {
    assertTrue(KeyRange.between(bytes(2), bytes(2)).isEmpty());
    assertTrue(KeyRange.between(bytes(3), bytes(2)).isEmpty());
    assertFalse(KeyRange.between(bytes(2), bytes(3)).isEmpty());
    assertFalse(KeyRange.between(bytes(3), bytes(2)).contains(bytes(2)));
  }

  @Test
  void reversed_keepsBoundsAndFlipsDirection() {
    KeyRange r = KeyRange.between(bytes(1), bytes(5));
    assertTrue(r.reversed().isReversed());
    assertEquals(r, r.reversed().reversed());
    assertNotEquals(r, r.reversed());
    assertTrue(r.reversed().contains(bytes(1)));
    assertFalse(r.reversed().contains(bytes(5)));
  }

  @Test
  void factories_copyCallerArrays() {
    byte[] from = bytes(1);
    KeyRange r = KeyRange.atLeast(from);
    from[0] = 9;
    assertTrue(r.contains(bytes(2)));
    r.lowerBound()[0] = 9;
    assertArrayEquals(bytes(1), r.lowerBound());
  }

  @Test
  void isBelowAndIsAbove_followBounds() {
    KeyRange r = KeyRange.between(bytes(2), bytes(4));
    assertTrue(r.isBelow(bytes(1)));
    assertFalse(r.isBelow(bytes(2)));
    assertTrue(r.isAbove(bytes(4)));
    assertFalse(r.isAbove(bytes(3, 0xFF)));
    assertFalse(KeyRange.all().isAbove(bytes(0xFF)));
  }

  @Test
  void nullArguments_throwNpeNamingParameter() {
    assertEquals(
        "prefix",
        assertThrows(NullPointerException.class, () -> KeyRange.prefix(null)).getMessage());
    assertEquals(
        "toExclusive",
        assertThrows(NullPointerException.class, () -> KeyRange.between(bytes(1), null))
            .getMessage());
    assertEquals(
        "key",
        assertThrows(NullPointerException.class, () -> KeyRange.all().contains(null)).getMessage());
  }

  @Test
  void toString_showsHexBoundsAndDirection() {
    assertEquals(
        "[01ff, 02) desc", KeyRange.between(bytes(1, 0xFF), bytes(2)).reversed().toString());
    assertEquals("[-inf, +inf) asc", KeyRange.all().toString());
  }
}
