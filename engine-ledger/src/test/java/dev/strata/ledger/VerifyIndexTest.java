package dev.strata.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.Durability;
import dev.strata.api.EngineOptions;
import dev.strata.api.TamperException;
import dev.strata.ledger.index.IndexEntry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The index part of {@code verifyIntegrity()} on a store large enough for several of the check's
 * batches and a bitmap of many words: each kind of forged index entry is reported at the entry it
 * names (or, for an entry two keys claim, at the first of them or as a count mismatch), and a check
 * that runs while the writer updates, deletes and adds keys finds nothing. Seeded; the seed is
 * printed in every failure.
 */
class VerifyIndexTest {
  private static final int KEYS = 6_000;
  private static final int TXNS = 400;

  @TempDir Path dir;

  private static byte[] key(int k) {
    return ("key-" + k).getBytes(StandardCharsets.UTF_8);
  }

  private static EngineOptions options() {
    return EngineOptions.builder().durability(Durability.NO_SYNC).build();
  }

  /** About 20,000 entries: every key once, then updates and deletes of random keys. */
  private static void fill(LedgerEngine e, SplittableRandom random) {
    for (int k = 0; k < KEYS; k += 100) {
      int from = k;
      e.update(
          t -> {
            for (int j = from; j < from + 100; j++) {
              t.put(key(j), ("v" + j).getBytes(StandardCharsets.UTF_8));
            }
            return null;
          });
    }
    for (int t = 0; t < TXNS; t++) {
      e.update(
          w -> {
            for (int i = 0; i < 35; i++) {
              int k = random.nextInt(KEYS);
              if (random.nextInt(5) == 0) {
                w.delete(key(k));
              } else {
                w.put(key(k), new byte[random.nextInt(40)]);
              }
            }
            return null;
          });
    }
  }

  /** Keys whose latest entry superseded an earlier one, chosen at random. */
  private static List<Integer> updatedKeys(LedgerEngine e, SplittableRandom random, int n) {
    List<Integer> keys = new ArrayList<>();
    while (keys.size() < n) {
      int k = random.nextInt(KEYS);
      if (e.index.get(key(k)).seq >= KEYS && !keys.contains(k)) {
        keys.add(k);
      }
    }
    return keys;
  }

  @Test
  void forgedIndexEntries_areReportedAtTheirEntry() {
    long seed = Long.getLong("strata.test.seed", System.nanoTime());
    String why = "seed " + seed + " (rerun with -Dstrata.test.seed=" + seed + ")";
    SplittableRandom random = new SplittableRandom(seed);
    try (LedgerEngine e = LedgerEngine.open(dir, options())) {
      fill(e, random);
    }
    for (int forgery = 0; forgery < 5; forgery++) {
      try (LedgerEngine e = LedgerEngine.open(dir, options())) {
        long size = e.digest().size();
        assertTrue(size > 4 * 4096, "several batches: " + size);
        e.verifyIntegrity();
        List<Integer> picked = updatedKeys(e, random, 2);
        byte[] k = key(picked.get(0));
        IndexEntry latest = e.index.get(k);
        long expected = latest.seq;
        switch (forgery) {
          case 0 -> e.index.put(k, latest.seq, latest.position + 1, latest.deleted);
          case 1 -> e.index.put(k, latest.seq, latest.position, !latest.deleted);
          case 2 -> {
            // The key's previous version, at its own position: the log agrees, but it is
            // superseded.
            long prev = e.entry(latest.seq).prevSeq();
            IndexEntry older = e.reader.locate(prev);
            e.index.put(k, older.seq, older.position, older.deleted);
            expected = prev;
          }
          case 3 -> {
            // Another key's entry, at that entry's position, kind included: only the key differs.
            IndexEntry other = e.index.get(key(picked.get(1)));
            e.index.put(k, other.seq, other.position, other.deleted);
            expected = other.seq;
          }
          default -> {
            // A neighbouring entry of the log, at its position: another key's, or the key's own
            // previous version.
            long next = latest.seq + 1 < size ? latest.seq + 1 : latest.seq - 1;
            IndexEntry there = e.reader.locate(next);
            e.index.put(k, there.seq, there.position, there.deleted);
            expected = next;
          }
        }
        TamperException t = assertThrows(TamperException.class, e::verifyIntegrity, why);
        if (forgery >= 3) {
          // Two keys at one entry: the first of them (by id) is checked there; when that is the
          // entry's own key, the other is left over and the count check reports it at the size.
          assertTrue(t.sequence() == expected || t.sequence() == size, why + ": " + t.getMessage());
        } else {
          assertEquals(expected, t.sequence(), why + ": " + t.getMessage());
        }
      }
    }
  }

  @Test
  void verifyIntegrity_whileTheWriterCommits_findsNothing() throws Exception {
    long seed = Long.getLong("strata.test.seed", System.nanoTime());
    String why = "seed " + seed + " (rerun with -Dstrata.test.seed=" + seed + ")";
    SplittableRandom random = new SplittableRandom(seed);
    try (LedgerEngine e = LedgerEngine.open(dir, options())) {
      fill(e, random.split());
      AtomicBoolean stop = new AtomicBoolean();
      AtomicReference<Throwable> failed = new AtomicReference<>();
      SplittableRandom writes = random.split();
      Thread writer =
          new Thread(
              () -> {
                try {
                  for (int n = KEYS; !stop.get(); n++) {
                    int fresh = n;
                    e.update(
                        w -> {
                          for (int i = 0; i < 20; i++) {
                            int k = writes.nextInt(KEYS);
                            if (writes.nextInt(5) == 0) {
                              w.delete(key(k));
                            } else {
                              w.put(key(k), new byte[writes.nextInt(40)]);
                            }
                          }
                          w.put(key(fresh), new byte[1]);
                          return null;
                        });
                    // A pace the checks keep up with: the log must not outgrow them.
                    Thread.sleep(1);
                  }
                } catch (Throwable x) {
                  failed.set(x);
                }
              });
      writer.start();
      try {
        for (int check = 0; check < 8; check++) {
          e.verifyIntegrity();
        }
      } finally {
        stop.set(true);
        writer.join();
      }
      assertEquals(null, failed.get(), why);
      e.verifyIntegrity();
    }
  }
}
