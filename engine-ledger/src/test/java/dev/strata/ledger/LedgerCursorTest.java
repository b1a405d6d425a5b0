package dev.strata.ledger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.strata.api.Cursor;
import dev.strata.api.Durability;
import dev.strata.api.EngineOptions;
import dev.strata.api.KeyRange;
import dev.strata.api.ReadTxn;
import dev.strata.api.TransactionClosedException;
import dev.strata.api.WriteTxn;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cursors that read keys and values in batches ahead of the caller: every batch boundary, values
 * asked for on some entries only, an old snapshot whose values come through prevSeq links, and a
 * write transaction's overlay mixed with committed entries.
 */
class LedgerCursorTest {
  @TempDir Path dir;

  private static final EngineOptions OPTIONS =
      EngineOptions.builder().durability(Durability.NO_SYNC).build();

  private static byte[] key(int i) {
    return String.format("k%06d", i).getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] value(int i, int version) {
    return ("v" + i + "." + version).getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void scan_acrossBatches_returnsEveryValueAsModelHasIt_whicheverValuesAreAsked() {
    long seed = Long.getLong("strata.test.seed", System.nanoTime());
    System.out.println("LedgerCursorTest seed " + seed);
    SplittableRandom random = new SplittableRandom(seed);
    TreeMap<String, byte[]> model = new TreeMap<>();
    try (LedgerEngine e = LedgerEngine.open(dir, OPTIONS)) {
      // Keys arrive in shuffled order across many transactions, so their values lie scattered.
      for (int t = 0; t < 40; t++) {
        try (WriteTxn w = e.beginWrite()) {
          for (int j = 0; j < 50; j++) {
            int i = random.nextInt(3000);
            w.put(key(i), value(i, t));
            model.put(new String(key(i), StandardCharsets.UTF_8), value(i, t));
          }
          w.commit();
        }
      }
      try (ReadTxn r = e.beginRead();
          Cursor c = r.cursor(KeyRange.all())) {
        int n = 0;
        for (Map.Entry<String, byte[]> m : model.entrySet()) {
          assertEquals(true, c.next(), "seed " + seed + " entry " + n);
          assertArrayEquals(m.getKey().getBytes(StandardCharsets.UTF_8), c.key(), "seed " + seed);
          if (random.nextInt(3) == 0) {
            byte[] first = c.value();
            byte[] second = c.value();
            assertArrayEquals(m.getValue(), first, "seed " + seed + " key " + m.getKey());
            assertArrayEquals(m.getValue(), second, "seed " + seed + " key " + m.getKey());
            assertNotSame(first, second);
          }
          n++;
        }
        assertFalse(c.next());
        assertFalse(c.next());
      }
      e.verifyIntegrity();
    }
  }

  @Test
  void oldSnapshot_readsOverwrittenValuesThroughPrevSeq_acrossBatches() {
    try (LedgerEngine e = LedgerEngine.open(dir, OPTIONS)) {
      try (WriteTxn w = e.beginWrite()) {
        for (int i = 0; i < 700; i++) {
          w.put(key(i), value(i, 0));
        }
        w.commit();
      }
      try (ReadTxn old = e.beginRead()) {
        try (WriteTxn w = e.beginWrite()) {
          for (int i = 0; i < 700; i += 2) {
            w.put(key(i), value(i, 1));
          }
          for (int i = 1; i < 700; i += 7) {
            w.delete(key(i));
          }
          w.commit();
        }
        try (Cursor c = old.cursor(KeyRange.all())) {
          for (int i = 0; i < 700; i++) {
            assertEquals(true, c.next());
            assertArrayEquals(key(i), c.key());
            assertArrayEquals(value(i, 0), c.value());
          }
          assertFalse(c.next());
        }
      }
      e.verifyIntegrity();
    }
  }

  @Test
  void writeTxnCursor_mixesOverlayAndCommittedValues() {
    try (LedgerEngine e = LedgerEngine.open(dir, OPTIONS)) {
      try (WriteTxn w = e.beginWrite()) {
        for (int i = 0; i < 600; i += 2) {
          w.put(key(i), value(i, 0));
        }
        w.commit();
      }
      try (WriteTxn w = e.beginWrite()) {
        for (int i = 1; i < 600; i += 2) {
          w.put(key(i), value(i, 1));
        }
        try (Cursor c = w.cursor(KeyRange.all())) {
          for (int i = 0; i < 600; i++) {
            assertEquals(true, c.next());
            assertArrayEquals(key(i), c.key());
            assertArrayEquals(value(i, i % 2), c.value());
          }
          assertFalse(c.next());
        }
        w.commit();
      }
      e.verifyIntegrity();
    }
  }

  @Test
  void cursor_afterItsTransactionEnds_throwsOnEveryCall() {
    try (LedgerEngine e = LedgerEngine.open(dir, OPTIONS)) {
      try (WriteTxn w = e.beginWrite()) {
        for (int i = 0; i < 100; i++) {
          w.put(key(i), value(i, 0));
        }
        w.commit();
      }
      ReadTxn r = e.beginRead();
      Cursor c = r.cursor(KeyRange.all());
      assertEquals(true, c.next());
      r.close();
      assertThrows(TransactionClosedException.class, c::key);
      assertThrows(TransactionClosedException.class, c::value);
      assertThrows(TransactionClosedException.class, c::next);
      Cursor fresh = e.beginRead().cursor(KeyRange.all());
      assertThrows(IllegalStateException.class, fresh::value);
      fresh.close();
      assertThrows(TransactionClosedException.class, fresh::next);
    }
  }
}
