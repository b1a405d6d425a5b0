package dev.strata.tck;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrowsExactly;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.Cursor;
import dev.strata.api.EngineClosedException;
import dev.strata.api.KeyRange;
import dev.strata.api.StorageEngine;
import dev.strata.api.TransactionClosedException;
import dev.strata.api.WriteTxn;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Conformance, the parts adapters lean on: {@link WriteTxn#deleteRange(KeyRange)}, {@link
 * StorageEngine#approximateKeyCount()}, and the rule of {@link Cursor} for cursors of a transaction
 * that writes while they are open. Part of {@link StorageEngineContract}; engines subclass that
 * class, not this one.
 */
public abstract class AdapterSupportContract extends DataContract {

  private static final int MODEL_OPERATIONS = 1_500;

  private static byte[] key(int i) {
    return b(String.format("k%05d", i));
  }

  private TreeMap<byte[], byte[]> fill(int n) {
    TreeMap<byte[], byte[]> model = model();
    for (int i = 0; i < n; i++) {
      model.put(key(i), b("v" + i));
    }
    putAll(engine, model);
    return model;
  }

  // ---- deleteRange ----

  @Test
  protected void deleteRange_bounded_removesExactlyTheHalfOpenRange() {
    TreeMap<byte[], byte[]> model = fill(50);
    KeyRange range = KeyRange.between(key(10), key(20));
    engine.update(
        txn -> {
          txn.deleteRange(range);
          assertNull(txn.get(key(10)), "the transaction sees its own range deletion");
          assertArrayEquals(b("v20"), txn.get(key(20)), "the upper bound is exclusive");
          assertEquals(List.of(), scan(txn, range));
          return null;
        });
    model.subMap(key(10), key(20)).clear();
    assertContent(model, engine);
  }

  @Test
  void deleteRange_unboundedPrefixAndReversed_matchTheirBounds() {
    TreeMap<byte[], byte[]> model = fill(60);
    engine.update(
        txn -> {
          txn.deleteRange(KeyRange.below(key(5)));
          txn.deleteRange(KeyRange.atLeast(key(55)));
          txn.deleteRange(KeyRange.prefix(b("k0002")));
          txn.deleteRange(KeyRange.between(key(40), key(45)).reversed());
          return null;
        });
    model.headMap(key(5)).clear();
    model.tailMap(key(55)).clear();
    model.subMap(key(20), key(30)).clear();
    model.subMap(key(40), key(45)).clear();
    assertContent(model, engine);
    engine.update(
        txn -> {
          txn.deleteRange(KeyRange.all());
          return null;
        });
    assertEquals(List.of(), scan(engine, KeyRange.all()));
  }

  @Test
  void deleteRange_emptyOrInvertedRange_deletesNothing() {
    TreeMap<byte[], byte[]> model = fill(10);
    engine.update(
        txn -> {
          txn.deleteRange(KeyRange.between(key(5), key(5)));
          txn.deleteRange(KeyRange.between(key(7), key(2)));
          txn.deleteRange(KeyRange.prefix(b("zz")));
          return null;
        });
    assertContent(model, engine);
  }

  @Test
  void deleteRange_nullRange_throwsNamedNullPointerException() {
    try (WriteTxn txn = engine.beginWrite()) {
      NullPointerException e =
          assertThrowsExactly(NullPointerException.class, () -> txn.deleteRange(null));
      assertEquals("range", e.getMessage());
    }
  }

  @Test
  void deleteRange_closedTransaction_throwsTransactionClosed() {
    WriteTxn txn = engine.beginWrite();
    txn.rollback();
    assertThrowsExactly(TransactionClosedException.class, () -> txn.deleteRange(KeyRange.all()));
  }

  @Test
  void deleteRange_rolledBack_leavesContent() {
    TreeMap<byte[], byte[]> model = fill(20);
    try (WriteTxn txn = engine.beginWrite()) {
      txn.deleteRange(KeyRange.all());
      txn.rollback();
    }
    assertContent(model, engine);
  }

  /**
   * Writes before and after a range deletion in one transaction, with and without reads in between:
   * the earlier writes inside the range die, the later ones live, whichever way the engine keeps
   * its pending writes.
   */
  @ParameterizedTest
  @ValueSource(ints = {0, 1, 2, 3})
  protected void deleteRange_ordersWithTheTransactionsOtherWrites(int readsAt) {
    TreeMap<byte[], byte[]> model = fill(30);
    engine.update(
        txn -> {
          txn.put(key(12), b("before"));
          txn.put(b("k000125"), b("new before"));
          if (readsAt == 1) {
            assertArrayEquals(b("before"), txn.get(key(12)));
          }
          txn.deleteRange(KeyRange.between(key(10), key(20)));
          if (readsAt == 2) {
            assertNull(txn.get(key(12)));
            assertNull(txn.get(b("k000125")));
          }
          txn.put(key(15), b("after"));
          if (readsAt == 3) {
            assertEquals(
                List.of(render(key(15), b("after"))), scan(txn, KeyRange.prefix(b("k0001"))));
          }
          return null;
        });
    model.subMap(key(10), key(20)).clear();
    model.put(key(15), b("after"));
    assertContent(model, engine);
  }

  /** Random puts, deletes and range deletions over several transactions, against a model. */
  @Test
  protected void deleteRange_randomWorkload_matchesModel() {
    long seed = seed();
    try {
      runRangeModel(new SplittableRandom(seed));
    } catch (AssertionError | RuntimeException e) {
      throw new AssertionError("range model failed; replay with -Dstrata.test.seed=" + seed, e);
    }
  }

  private void runRangeModel(SplittableRandom random) {
    TreeMap<byte[], byte[]> model = model();
    int done = 0;
    while (done < MODEL_OPERATIONS) {
      TreeMap<byte[], byte[]> pending = new TreeMap<>(model);
      try (WriteTxn txn = engine.beginWrite()) {
        int ops = 1 + random.nextInt(40);
        for (int i = 0; i < ops; i++, done++) {
          int op = random.nextInt(10);
          byte[] k = key(random.nextInt(300));
          if (op < 5) {
            byte[] v = b("v" + random.nextInt(1_000));
            txn.put(k, v);
            pending.put(k, v);
          } else if (op < 7) {
            txn.delete(k);
            pending.remove(k);
          } else if (op < 8) {
            byte[] to = key(random.nextInt(300));
            KeyRange r = KeyRange.between(k, to);
            txn.deleteRange(random.nextBoolean() ? r : r.reversed());
            if (KeyRange.compare(k, to) < 0) {
              pending.subMap(k, to).clear();
            }
          } else if (op < 9) {
            byte[] got = txn.get(k);
            byte[] want = pending.get(k);
            assertEquals(
                want == null ? null : render(k, want), got == null ? null : render(k, got));
          } else {
            KeyRange r = KeyRange.atLeast(k);
            List<String> got = new ArrayList<>();
            try (Cursor c = txn.cursor(r)) {
              for (int n = 0; n < 5 && c.next(); n++) {
                got.add(render(c.key(), c.value()));
              }
            }
            List<String> want = expected(pending, r);
            assertEquals(want.subList(0, Math.min(5, want.size())), got);
          }
        }
        if (random.nextInt(8) == 0) {
          txn.rollback();
        } else {
          txn.commit();
          model = pending;
        }
      }
    }
    assertContent(model, engine);
  }

  // ---- approximateKeyCount ----

  @Test
  void approximateKeyCount_emptyStore_isZero() {
    assertEquals(0, engine.approximateKeyCount());
  }

  @Test
  void approximateKeyCount_smallStore_countsCommittedKeys() {
    fill(5);
    assertEquals(5, engine.approximateKeyCount());
  }

  @Test
  void approximateKeyCount_largerStore_isWithinAFactorOfTwo() {
    int n = 3_000;
    fill(n);
    long estimate = engine.approximateKeyCount();
    assertTrue(estimate >= n / 2 && estimate <= 2L * n, "estimate " + estimate + " for " + n);
    engine.update(
        txn -> {
          for (int i = 0; i < n; i++) {
            txn.delete(key(i));
          }
          return null;
        });
    long after = engine.approximateKeyCount();
    assertTrue(after <= n / 2, "estimate " + after + " after deleting all " + n);
  }

  @Test
  void approximateKeyCount_whileWriterIsOpen_returnsWithoutWaitingAndIgnoresPendingWrites()
      throws Exception {
    fill(5);
    try (WriteTxn txn = engine.beginWrite()) {
      for (int i = 100; i < 110; i++) {
        txn.put(key(i), b("pending"));
      }
      long counted =
          CompletableFuture.supplyAsync(engine::approximateKeyCount).get(10, TimeUnit.SECONDS);
      assertEquals(5, counted);
      txn.commit();
    }
  }

  @Test
  void approximateKeyCount_closedEngine_throwsEngineClosed() {
    engine.close();
    assertThrowsExactly(EngineClosedException.class, engine::approximateKeyCount);
  }

  // ---- cursors of a writing transaction ----

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  protected void writeCursor_deletingEachEntryAsReached_visitsEveryEntryOnce(boolean reversed) {
    TreeMap<byte[], byte[]> model = fill(700);
    KeyRange range = reversed ? KeyRange.all().reversed() : KeyRange.all();
    List<String> seen = new ArrayList<>();
    engine.update(
        txn -> {
          // A pending write first, so engines that index pending writes iterate through them.
          txn.put(key(350), b("rewritten"));
          model.put(key(350), b("rewritten"));
          try (Cursor c = txn.cursor(range)) {
            while (c.next()) {
              byte[] k = c.key();
              txn.delete(k);
              assertArrayEquals(k, c.key(), "key() after deleting the current entry");
              seen.add(render(k, c.value()));
            }
          }
          return null;
        });
    assertEquals(expected(model, range), seen);
    assertEquals(List.of(), scan(engine, KeyRange.all()));
  }

  @Test
  void writeCursor_overwritingEachEntryAsReached_visitsEveryEntryWithItsOldValue() {
    TreeMap<byte[], byte[]> model = fill(400);
    List<String> seen = new ArrayList<>();
    engine.update(
        txn -> {
          try (Cursor c = txn.cursor(KeyRange.all())) {
            while (c.next()) {
              byte[] k = c.key();
              txn.put(k, new byte[300]);
              seen.add(render(k, c.value()));
            }
          }
          return null;
        });
    assertEquals(expected(model, KeyRange.all()), seen);
    assertEquals(400, scan(engine, KeyRange.all()).size());
  }

  /**
   * Random writes anywhere in the range while a cursor runs: order holds, no key twice, and every
   * key the transaction left alone comes with the value it had.
   */
  @Test
  void writeCursor_randomWritesWhileIterating_keepOrderAndUntouchedKeys() {
    long seed = seed();
    try {
      SplittableRandom random = new SplittableRandom(seed);
      for (int round = 0; round < 4; round++) {
        runCursorRound(random, round % 2 == 1);
      }
    } catch (AssertionError | RuntimeException e) {
      throw new AssertionError(
          "write-cursor test failed; replay with -Dstrata.test.seed=" + seed, e);
    }
  }

  private void runCursorRound(SplittableRandom random, boolean reversed) {
    engine.update(
        txn -> {
          txn.deleteRange(KeyRange.all());
          for (int i = 0; i < 600; i += 1 + random.nextInt(3)) {
            txn.put(key(i), b("c" + i));
          }
          return null;
        });
    engine.update(
        txn -> {
          for (int i = 0; i < 20; i++) {
            txn.put(key(random.nextInt(600)), b("p" + i));
          }
          TreeMap<byte[], byte[]> atOpen = model();
          try (Cursor c = txn.cursor(KeyRange.all())) {
            while (c.next()) {
              atOpen.put(c.key(), c.value());
            }
          }
          KeyRange range = reversed ? KeyRange.all().reversed() : KeyRange.all();
          Set<String> touched = new HashSet<>();
          byte[] previous = null;
          Map<String, String> returned = new TreeMap<>();
          try (Cursor c = txn.cursor(range)) {
            while (c.next()) {
              byte[] k = c.key();
              if (previous != null) {
                int order = KeyRange.compare(previous, k);
                assertTrue(reversed ? order > 0 : order < 0, "cursor order broken or key repeated");
              }
              previous = k;
              returned.put(render(k, new byte[0]), render(k, c.value()));
              for (int w = random.nextInt(4); w > 0; w--) {
                byte[] target = key(random.nextInt(600));
                touched.add(render(target, new byte[0]));
                if (random.nextBoolean()) {
                  txn.put(target, b("w" + w));
                } else {
                  txn.delete(target);
                }
              }
            }
          }
          for (Map.Entry<byte[], byte[]> e : atOpen.entrySet()) {
            String id = render(e.getKey(), new byte[0]);
            if (!touched.contains(id)) {
              assertEquals(render(e.getKey(), e.getValue()), returned.get(id), "untouched key");
            }
          }
          return null;
        });
  }
}
