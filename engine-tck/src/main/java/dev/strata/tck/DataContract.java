package dev.strata.tck;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertThrowsExactly;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.Cursor;
import dev.strata.api.KeyRange;
import dev.strata.api.Limits;
import dev.strata.api.ReadTxn;
import dev.strata.api.TransactionClosedException;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Conformance, part 1: single-key operations, limits, key order, ranges and cursors. Part of {@link
 * StorageEngineContract}; engines subclass that class, not this one.
 */
public abstract class DataContract extends EngineTestSupport {

  // ---- CRUD ----

  @Test
  void get_absentKey_returnsNull() {
    assertNull(engine.get(b("missing")));
  }

  @Test
  void put_thenGet_returnsValue() {
    engine.put(b("k"), b("v"));
    assertArrayEquals(b("v"), engine.get(b("k")));
  }

  @Test
  void put_existingKey_overwrites() {
    engine.put(b("k"), b("first"));
    engine.put(b("k"), b("second, longer value"));
    engine.put(b("k"), b("3"));
    assertArrayEquals(b("3"), engine.get(b("k")));
    assertEquals(List.of(render(b("k"), b("3"))), scan(engine, KeyRange.all()));
  }

  @Test
  void delete_existingKey_removesIt() {
    engine.put(b("a"), b("1"));
    engine.put(b("b"), b("2"));
    engine.delete(b("a"));
    assertNull(engine.get(b("a")));
    assertArrayEquals(b("2"), engine.get(b("b")));
  }

  @Test
  void delete_absentKey_isNoOpAndKeepsContent() {
    engine.put(b("a"), b("1"));
    engine.delete(b("zzz"));
    engine.delete(b("a0"));
    assertEquals(List.of(render(b("a"), b("1"))), scan(engine, KeyRange.all()));
  }

  @Test
  void delete_thenPut_recreatesKey() {
    engine.put(b("k"), b("1"));
    engine.delete(b("k"));
    engine.put(b("k"), b("2"));
    assertArrayEquals(b("2"), engine.get(b("k")));
  }

  @Test
  void put_emptyValue_isStoredAndDistinctFromAbsent() {
    engine.put(b("empty"), new byte[0]);
    byte[] got = engine.get(b("empty"));
    assertNotNull(got);
    assertEquals(0, got.length);
    assertEquals(List.of(render(b("empty"), new byte[0])), scan(engine, KeyRange.all()));
  }

  @Test
  void get_returnedArray_belongsToCaller() {
    engine.put(b("k"), b("value"));
    byte[] first = engine.get(b("k"));
    Arrays.fill(first, (byte) 0);
    assertArrayEquals(b("value"), engine.get(b("k")));
  }

  @Test
  void put_callerReusesArrays_storedDataUnaffected() {
    byte[] key = b("key");
    byte[] value = b("value");
    engine.update(
        txn -> {
          txn.put(key, value);
          Arrays.fill(value, (byte) 'x');
          Arrays.fill(key, (byte) 'y');
          return null;
        });
    assertArrayEquals(b("value"), engine.get(b("key")));
    assertNull(engine.get(b("yyy")));
  }

  @Test
  void keys_binaryBytesAbove0x7F_orderUnsigned() {
    byte[][] keys = {
      bytes(0x00),
      bytes(0x00, 0x00),
      bytes(0x01),
      bytes(0x7F),
      bytes(0x7F, 0xFF),
      bytes(0x80),
      bytes(0x80, 0x00),
      bytes(0xC0),
      bytes(0xFE, 0xFF),
      bytes(0xFF),
      bytes(0xFF, 0x00),
      bytes(0xFF, 0xFF, 0xFF)
    };
    TreeMap<byte[], byte[]> model = model();
    SplittableRandom random = new SplittableRandom(7);
    engine.update(
        txn -> {
          for (int i = keys.length - 1; i >= 0; i--) {
            byte[] value = randomBytes(random, i);
            txn.put(keys[i], value);
            model.put(keys[i], value);
          }
          return null;
        });
    List<String> got = scan(engine, KeyRange.all());
    assertEquals(expected(model, KeyRange.all()), got);
    for (int i = 0; i < keys.length; i++) {
      assertTrue(
          got.get(i).startsWith(java.util.HexFormat.of().formatHex(keys[i]) + "="),
          "position " + i + " holds " + got.get(i));
    }
  }

  @Test
  protected void key_ofMaxKeySize_isAccepted() {
    byte[] key = new byte[Limits.MAX_KEY_SIZE];
    Arrays.fill(key, (byte) 0xAB);
    engine.put(key, b("v"));
    assertArrayEquals(b("v"), engine.get(key));
    assertEquals(List.of(render(key, b("v"))), scan(engine, KeyRange.all()));
    engine.delete(key);
    assertNull(engine.get(key));
  }

  @Test
  void key_oneByteOverMax_isRejectedAndStoreUnchanged() {
    engine.put(b("a"), b("1"));
    byte[] key = new byte[Limits.MAX_KEY_SIZE + 1];
    IllegalArgumentException e =
        assertThrowsExactly(IllegalArgumentException.class, () -> engine.put(key, b("v")));
    assertTrue(e.getMessage().contains(String.valueOf(Limits.MAX_KEY_SIZE)), e.getMessage());
    assertEquals(List.of(render(b("a"), b("1"))), scan(engine, KeyRange.all()));
  }

  @Test
  void value_ofMaxValueSize_isAccepted() {
    byte[] value = new byte[Limits.MAX_VALUE_SIZE];
    for (int i = 0; i < value.length; i += 4096) {
      value[i] = (byte) (i >>> 12);
    }
    value[value.length - 1] = 42;
    engine.put(b("big"), value);
    byte[] got = engine.get(b("big"));
    assertEquals(value.length, got.length);
    assertTrue(Arrays.equals(value, got), "max-size value differs after the round trip");
    got = null;
    engine.delete(b("big"));
    assertNull(engine.get(b("big")));
  }

  @Test
  void value_oneByteOverMax_isRejectedAndStoreUnchanged() {
    engine.put(b("a"), b("1"));
    byte[] value = new byte[Limits.MAX_VALUE_SIZE + 1];
    IllegalArgumentException e =
        assertThrowsExactly(IllegalArgumentException.class, () -> engine.put(b("k"), value));
    assertTrue(e.getMessage().contains(String.valueOf(Limits.MAX_VALUE_SIZE)), e.getMessage());
    assertEquals(List.of(render(b("a"), b("1"))), scan(engine, KeyRange.all()));
  }

  @Test
  void values_acrossPageAndBlockSizes_roundTrip() {
    int[] sizes = {0, 1, 100, 1023, 1024, 1025, 4095, 4096, 4097, 8192, 65_535, 65_536, 1 << 20};
    SplittableRandom random = new SplittableRandom(11);
    TreeMap<byte[], byte[]> model = model();
    for (int size : sizes) {
      byte[] key = b(String.format("v%08d", size));
      byte[] value = randomBytes(random, size);
      engine.put(key, value);
      model.put(key, value);
    }
    for (var e : model.entrySet()) {
      assertArrayEquals(e.getValue(), engine.get(e.getKey()), "size " + e.getValue().length);
    }
    assertContent(model, engine);
    engine.update(
        txn -> {
          model.keySet().forEach(txn::delete);
          return null;
        });
    assertEquals(List.of(), scan(engine, KeyRange.all()));
  }

  @Test
  void manyKeys_inOneTxn_allReadableInOrder() {
    TreeMap<byte[], byte[]> model = model();
    SplittableRandom random = new SplittableRandom(3);
    for (int i = 0; i < 5_000; i++) {
      model.put(
          randomBytes(random, 1 + random.nextInt(24)), randomBytes(random, random.nextInt(64)));
    }
    putAll(engine, model);
    assertContent(model, engine);
    for (var e : model.entrySet()) {
      assertArrayEquals(e.getValue(), engine.get(e.getKey()));
    }
  }

  // ---- ranges ----

  private TreeMap<byte[], byte[]> rangeFixture() {
    TreeMap<byte[], byte[]> model = model();
    String[] keys = {"a", "ab", "abc", "abd", "ac", "b", "ba", "bb", "c"};
    for (String k : keys) {
      model.put(b(k), b("v-" + k));
    }
    model.put(bytes(0x61, 0xFF), b("a-ff"));
    model.put(bytes(0x61, 0xFF, 0x00), b("a-ff-00"));
    model.put(bytes(0xFE), b("fe"));
    model.put(bytes(0xFF), b("ff"));
    model.put(bytes(0xFF, 0xFF), b("ff-ff"));
    model.put(bytes(0xFF, 0xFF, 0x00), b("ff-ff-00"));
    model.put(bytes(0xFF, 0xFF, 0xFF, 0xFF), b("ff-ff-ff-ff"));
    putAll(engine, model);
    return model;
  }

  private void assertRange(TreeMap<byte[], byte[]> model, KeyRange range) {
    assertEquals(expected(model, range), scan(engine, range), range.toString());
    KeyRange other = range.reversed();
    assertEquals(expected(model, other), scan(engine, other), other.toString());
  }

  @Test
  void range_all_bothDirections() {
    TreeMap<byte[], byte[]> model = rangeFixture();
    assertRange(model, KeyRange.all());
    assertEquals(model.size(), scan(engine, KeyRange.all().reversed()).size());
  }

  @Test
  void range_prefix_bothDirections() {
    TreeMap<byte[], byte[]> model = rangeFixture();
    assertRange(model, KeyRange.prefix(b("ab")));
    assertEquals(3, scan(engine, KeyRange.prefix(b("ab"))).size());
    assertRange(model, KeyRange.prefix(b("a")));
  }

  @Test
  void range_prefixEndingIn0xFF_bothDirections() {
    TreeMap<byte[], byte[]> model = rangeFixture();
    assertRange(model, KeyRange.prefix(bytes(0x61, 0xFF)));
    assertEquals(2, scan(engine, KeyRange.prefix(bytes(0x61, 0xFF))).size());
  }

  @Test
  void range_prefixOfAll0xFF_isUnboundedAboveAndBothDirections() {
    TreeMap<byte[], byte[]> model = rangeFixture();
    assertRange(model, KeyRange.prefix(bytes(0xFF)));
    assertEquals(4, scan(engine, KeyRange.prefix(bytes(0xFF))).size());
    assertRange(model, KeyRange.prefix(bytes(0xFF, 0xFF)));
    assertEquals(3, scan(engine, KeyRange.prefix(bytes(0xFF, 0xFF))).size());
  }

  @Test
  void range_between_bothDirections() {
    TreeMap<byte[], byte[]> model = rangeFixture();
    assertRange(model, KeyRange.between(b("ab"), b("b")));
    assertRange(model, KeyRange.between(b("aa"), b("bz")));
    assertRange(model, KeyRange.between(bytes(0x00), bytes(0xFF, 0xFF, 0x00)));
  }

  @Test
  void range_atLeast_bothDirections() {
    TreeMap<byte[], byte[]> model = rangeFixture();
    assertRange(model, KeyRange.atLeast(b("b")));
    assertRange(model, KeyRange.atLeast(b("abz")));
    assertRange(model, KeyRange.atLeast(bytes(0xFF, 0xFF, 0x01)));
  }

  @Test
  void range_below_bothDirections() {
    TreeMap<byte[], byte[]> model = rangeFixture();
    assertRange(model, KeyRange.below(b("b")));
    assertRange(model, KeyRange.below(b("abc")));
    assertRange(model, KeyRange.below(bytes(0xFF)));
  }

  @Test
  void range_emptyBounds_yieldNothing() {
    rangeFixture();
    for (KeyRange r :
        List.of(
            KeyRange.between(b("b"), b("b")),
            KeyRange.between(b("c"), b("a")),
            KeyRange.prefix(b("zz")),
            KeyRange.atLeast(bytes(0xFF, 0xFF, 0xFF, 0xFF, 0x00)),
            KeyRange.below(b("a")),
            KeyRange.between(b("abca"), b("abcz")))) {
      assertEquals(List.of(), scan(engine, r), r.toString());
      assertEquals(List.of(), scan(engine, r.reversed()), r.reversed().toString());
    }
  }

  @Test
  void range_onEmptyStore_yieldsNothing() {
    assertEquals(List.of(), scan(engine, KeyRange.all()));
    assertEquals(List.of(), scan(engine, KeyRange.all().reversed()));
    assertEquals(List.of(), scan(engine, KeyRange.prefix(bytes(0xFF))));
  }

  @Test
  void range_randomBoundsOverManyKeys_matchModel() {
    long seed = seed();
    SplittableRandom random = new SplittableRandom(seed);
    TreeMap<byte[], byte[]> model = model();
    for (int i = 0; i < 3_000; i++) {
      model.put(
          randomBytes(random, 1 + random.nextInt(4)), randomBytes(random, random.nextInt(40)));
    }
    putAll(engine, model);
    try (ReadTxn txn = engine.beginRead()) {
      for (int i = 0; i < 200; i++) {
        byte[] x = randomBytes(random, 1 + random.nextInt(3));
        byte[] y = randomBytes(random, 1 + random.nextInt(3));
        KeyRange r =
            switch (random.nextInt(4)) {
              case 0 -> KeyRange.between(x, y);
              case 1 -> KeyRange.prefix(x);
              case 2 -> KeyRange.atLeast(x);
              default -> KeyRange.below(x);
            };
        if (random.nextBoolean()) {
          r = r.reversed();
        }
        assertEquals(expected(model, r), scan(txn, r), "seed " + seed + ", range " + r);
      }
    }
  }

  // ---- cursors ----

  @Test
  void cursor_keyBeforeNext_throwsIllegalState() {
    engine.put(b("a"), b("1"));
    try (ReadTxn txn = engine.beginRead();
        Cursor c = txn.cursor(KeyRange.all())) {
      assertThrowsExactly(IllegalStateException.class, c::key);
      assertThrowsExactly(IllegalStateException.class, c::value);
    }
  }

  @Test
  void cursor_exhausted_keepsReturningFalseAndHasNoEntry() {
    engine.put(b("a"), b("1"));
    try (ReadTxn txn = engine.beginRead();
        Cursor c = txn.cursor(KeyRange.all())) {
      assertTrue(c.next());
      assertFalse(c.next());
      assertFalse(c.next());
      assertThrowsExactly(IllegalStateException.class, c::key);
    }
  }

  @Test
  void cursor_afterTxnClose_throwsTransactionClosed() {
    engine.put(b("a"), b("1"));
    engine.put(b("b"), b("2"));
    ReadTxn txn = engine.beginRead();
    Cursor c = txn.cursor(KeyRange.all());
    assertTrue(c.next());
    txn.close();
    assertThrows(TransactionClosedException.class, c::next);
    assertThrows(TransactionClosedException.class, c::key);
    assertThrows(TransactionClosedException.class, c::value);
    c.close();
  }

  @Test
  void cursor_afterOwnClose_throwsTransactionClosedButTxnStillWorks() {
    engine.put(b("a"), b("1"));
    try (ReadTxn txn = engine.beginRead()) {
      Cursor c = txn.cursor(KeyRange.all());
      c.close();
      c.close();
      assertThrows(TransactionClosedException.class, c::next);
      assertArrayEquals(b("1"), txn.get(b("a")));
    }
  }

  @Test
  void cursor_returnedArrays_belongToCaller() {
    engine.put(b("a"), b("1"));
    try (ReadTxn txn = engine.beginRead();
        Cursor c = txn.cursor(KeyRange.all())) {
      assertTrue(c.next());
      byte[] k = c.key();
      byte[] v = c.value();
      k[0] = 'z';
      v[0] = 'z';
      assertArrayEquals(b("a"), c.key());
      assertArrayEquals(b("1"), c.value());
    }
  }

  @Test
  void cursors_severalOpenInOneTxn_iterateIndependently() {
    TreeMap<byte[], byte[]> model = rangeFixture();
    try (ReadTxn txn = engine.beginRead();
        Cursor up = txn.cursor(KeyRange.all());
        Cursor down = txn.cursor(KeyRange.all().reversed())) {
      assertTrue(up.next());
      assertTrue(down.next());
      assertArrayEquals(model.firstKey(), up.key());
      assertArrayEquals(model.lastKey(), down.key());
      assertTrue(up.next());
      assertArrayEquals(model.higherKey(model.firstKey()), up.key());
    }
  }
}
