package dev.strata.ledger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.strata.api.Durability;
import dev.strata.api.EngineOptions;
import dev.strata.api.KeyRange;
import dev.strata.api.ReadTxn;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code history}, {@code getAt}, {@code entry} and old snapshots against a model that records
 * every committed version, across a reopen. Seeded; the seed is printed in every failure.
 */
class HistoryModelTest {
  @TempDir Path dir;

  private record Version(long seq, Operation op, byte[] value) {}

  private static List<String> frozenKeys() {
    List<String> keys = new ArrayList<>();
    for (int k = 0; k < 30; k++) {
      keys.add("k" + k);
    }
    return keys;
  }

  @Test
  void historyAndGetAt_matchAModel_acrossReopen() {
    long seed = Long.getLong("strata.test.seed", System.nanoTime());
    SplittableRandom random = new SplittableRandom(seed);
    String why = "seed " + seed + " (rerun with -Dstrata.test.seed=" + seed + ")";
    EngineOptions options =
        EngineOptions.builder()
            .durability(Durability.NO_SYNC)
            .set("ledger.segmentBytes", "8KiB")
            .build();
    Map<String, List<Version>> versions = new HashMap<>();
    List<TreeMap<String, byte[]>> stateAfter = new ArrayList<>();
    TreeMap<String, byte[]> state = new TreeMap<>();
    long[] seq = {0};
    for (int phase = 0; phase < 2; phase++) {
      try (LedgerEngine e = LedgerEngine.open(dir, options)) {
        for (int t = 0; t < 150; t++) {
          TreeMap<String, byte[]> writes = new TreeMap<>();
          e.update(
              w -> {
                int ops = 1 + random.nextInt(5);
                for (int i = 0; i < ops; i++) {
                  String key = "k" + random.nextInt(30);
                  if (random.nextInt(4) == 0) {
                    w.delete(key.getBytes());
                    writes.put(key, null);
                  } else {
                    byte[] value = new byte[random.nextInt(64)];
                    random.nextBytes(value);
                    w.put(key.getBytes(), value);
                    writes.put(key, value);
                  }
                }
                return null;
              });
          for (Map.Entry<String, byte[]> w : writes.entrySet()) {
            boolean live = state.containsKey(w.getKey());
            if (w.getValue() == null && !live) {
              continue;
            }
            versions
                .computeIfAbsent(w.getKey(), k -> new ArrayList<>())
                .add(
                    new Version(
                        seq[0],
                        w.getValue() == null ? Operation.DELETE : Operation.PUT,
                        w.getValue()));
            if (w.getValue() == null) {
              state.remove(w.getKey());
            } else {
              state.put(w.getKey(), w.getValue());
            }
            stateAfter.add(new TreeMap<>(state));
            seq[0]++;
          }
        }
        assertEquals(seq[0], e.digest().size(), why);
        for (int k = 0; k < 30; k++) {
          String key = "k" + k;
          List<Version> expected = versions.getOrDefault(key, List.of());
          List<KeyVersion> actual = e.history(key.getBytes());
          assertEquals(expected.size(), actual.size(), why + ": history of " + key);
          for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.get(i).seq(), actual.get(i).seq(), why);
            assertEquals(expected.get(i).op(), actual.get(i).operation(), why);
            LedgerEntry entry = e.entry(actual.get(i).seq());
            assertEquals(actual.get(i).timestamp(), entry.timestamp(), why);
            assertArrayEquals(key.getBytes(), entry.key(), why);
            assertArrayEquals(
                expected.get(i).value() == null ? new byte[0] : expected.get(i).value(),
                entry.value(),
                why);
          }
        }
        for (int probe = 0; probe < 300; probe++) {
          long at = random.nextLong(seq[0]);
          String key = "k" + random.nextInt(30);
          assertArrayEquals(
              stateAfter.get((int) at).get(key),
              e.getAt(key.getBytes(), at),
              why + ": getAt(" + key + ", " + at + ")");
        }
        try (ReadTxn snapshot = e.beginRead()) {
          TreeMap<String, byte[]> frozen = new TreeMap<>(state);
          e.update(
              w -> {
                for (int k = 0; k < 30; k++) {
                  w.put(("k" + k).getBytes(), new byte[] {1});
                }
                return null;
              });
          for (int k = 0; k < 30; k++) {
            assertArrayEquals(frozen.get("k" + k), snapshot.get(("k" + k).getBytes()), why);
          }
          var cursor = snapshot.cursor(KeyRange.all());
          int count = 0;
          while (cursor.next()) {
            assertArrayEquals(frozen.get(new String(cursor.key())), cursor.value(), why);
            count++;
          }
          assertEquals(frozen.size(), count, why);
        }
        // The block lists keys in byte order, which is the order their seqs are assigned in.
        for (String key : new java.util.TreeSet<>(frozenKeys())) {
          versions
              .computeIfAbsent(key, x -> new ArrayList<>())
              .add(new Version(seq[0], Operation.PUT, new byte[] {1}));
          state.put(key, new byte[] {1});
          stateAfter.add(new TreeMap<>(state));
          seq[0]++;
        }
        e.verifyIntegrity();
      }
    }
  }
}
