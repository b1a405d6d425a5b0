package dev.strata.ledger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.Durability;
import dev.strata.api.EngineOptions;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ledger.hashThread}: the Merkle helper thread exists only for a writable engine that has
 * made a large commit with the setting on, never with it off, and not after close; both ways give
 * the same ledger.
 */
class HashThreadTest {
  @TempDir Path dir;

  private static EngineOptions options(String hashThread) {
    EngineOptions.Builder b = EngineOptions.builder().durability(Durability.NO_SYNC);
    if (hashThread != null) {
      b.set(LedgerEngine.HASH_THREAD, hashThread);
    }
    return b.build();
  }

  private static boolean helperRunsFor(Path store) {
    String name = "strata-ledger-merkle " + store;
    return Thread.getAllStackTraces().keySet().stream()
        .anyMatch(t -> t.getName().equals(name) && t.isAlive());
  }

  private static LedgerDigest write(LedgerEngine e) {
    for (int txn = 0; txn < 20; txn++) {
      int base = txn * 30;
      e.update(
          w -> {
            for (int i = 0; i < 30; i++) {
              w.put(("k" + (base + i)).getBytes(), ("v" + i).getBytes());
            }
            return null;
          });
    }
    return e.digest();
  }

  @Test
  void theHelperStartsWithTheFirstLargeCommit_andStopsAtClose() throws Exception {
    Path store = dir.resolve("on");
    LedgerEngine e = LedgerEngine.open(store, options(null));
    try {
      e.put("small".getBytes(), new byte[1]);
      assertFalse(helperRunsFor(store), "no large commit yet");
      write(e);
      assertEquals(
          Runtime.getRuntime().availableProcessors() > 1,
          helperRunsFor(store),
          "a large commit starts the helper when there is a second processor");
      e.verifyIntegrity();
    } finally {
      e.close();
    }
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (helperRunsFor(store) && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertFalse(helperRunsFor(store), "close() stops the helper");
  }

  @Test
  void withTheSettingOff_noHelperRuns_andTheLedgerHoldsTheSameEntries() {
    Path off = dir.resolve("off");
    Path on = dir.resolve("on");
    try (LedgerEngine without = LedgerEngine.open(off, options("false"));
        LedgerEngine with = LedgerEngine.open(on, options("true"))) {
      LedgerDigest a = write(without);
      LedgerDigest b = write(with);
      assertFalse(helperRunsFor(off));
      assertEquals(a.size(), b.size());
      // Timestamps differ, so the hashes do; everything else must be equal entry by entry.
      for (long seq = 0; seq < a.size(); seq++) {
        LedgerEntry x = without.entry(seq);
        LedgerEntry y = with.entry(seq);
        assertArrayEquals(x.key(), y.key(), "entry " + seq);
        assertArrayEquals(x.value(), y.value(), "entry " + seq);
        assertTrue(LedgerProofs.verifyInclusion(y, with.proveInclusion(seq, b.size()), b));
      }
      without.verifyIntegrity();
      with.verifyIntegrity();
    }
  }

  @Test
  void aValueOtherThanTrueOrFalse_isRefused_beforeTheStoreIsTouched() {
    Path store = dir.resolve("bad");
    try (LedgerEngine e = LedgerEngine.open(store, options(null))) {
      e.put("k".getBytes(), "v".getBytes());
    }
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> LedgerEngine.open(store, options("sometimes")));
    assertTrue(e.getMessage().contains(LedgerEngine.HASH_THREAD), e.getMessage());
    // Not left locked: the refused open never took the store.
    try (LedgerEngine again = LedgerEngine.open(store, options("false"))) {
      assertArrayEquals("v".getBytes(), again.get("k".getBytes()));
    }
  }
}
