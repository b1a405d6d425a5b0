package dev.strata.lsm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.strata.api.Cursor;
import dev.strata.api.EngineOptions;
import dev.strata.api.KeyRange;
import dev.strata.api.ReadTxn;
import dev.strata.api.StorageEngines;
import dev.strata.api.WriteTxn;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random transactions against a {@link TreeMap} model, with flushes, compactions and reopens mixed
 * in, so that reads cross memtable, L0 and deeper levels, tombstones included. Keys come from a
 * small alphabet with 0x00 and 0xFF bytes so prefix ranges hit the all-0xFF edge. The seed is
 * printed; rerun with {@code -Dstrata.test.seed=N}.
 */
class LsmModelTest {
  private static final EngineOptions SMALL =
      EngineOptions.builder().set("lsm.writeBufferBytes", "1MiB").build();
  private static final byte[] ALPHABET = {
    0x00, 0x01, 0x61, 0x62, (byte) 0x7F, (byte) 0xFE, (byte) 0xFF
  };

  private static final int STEPS = Integer.getInteger("strata.model.steps", 300);

  @TempDir Path dir;

  @Test
  void randomTxnsWithFlushCompactReopen_matchTheModel() {
    String property = System.getProperty("strata.test.seed", "");
    long seed = property.isBlank() ? System.nanoTime() : Long.parseLong(property);
    System.out.println("LsmModelTest seed=" + seed);
    SplittableRandom random = new SplittableRandom(seed);
    TreeMap<byte[], byte[]> model = new TreeMap<>(KeyRange::compare);
    LsmEngine engine = (LsmEngine) StorageEngines.open("lsm", dir, SMALL);
    try {
      for (int step = 0; step < STEPS; step++) {
        String context = "seed=" + seed + " step=" + step;
        int action = random.nextInt(100);
        if (action < 70) {
          boolean rollback = random.nextInt(10) == 0;
          TreeMap<byte[], byte[]> pending = new TreeMap<>(model);
          try (WriteTxn w = engine.beginWrite()) {
            int ops = 1 + random.nextInt(40);
            for (int i = 0; i < ops; i++) {
              byte[] key = randomKey(random);
              if (random.nextInt(4) == 0) {
                w.delete(key);
                pending.remove(key);
              } else {
                byte[] value = new byte[random.nextInt(300)];
                random.nextBytes(value);
                w.put(key, value);
                pending.put(key, value);
              }
              if (random.nextInt(8) == 0) {
                byte[] probe = randomKey(random);
                assertArrayEquals(pending.get(probe), w.get(probe), context + " own read");
              }
            }
            if (random.nextInt(5) == 0) {
              KeyRange range = randomRange(random);
              assertEquals(expected(pending, range), actual(w, range), context + " own " + range);
            }
            if (rollback) {
              w.rollback();
            } else {
              w.commit();
              model = pending;
            }
          }
        } else if (action < 80) {
          engine.flush();
        } else if (action < 85) {
          engine.compactRange();
        } else if (action < 90) {
          engine.close();
          engine = (LsmEngine) StorageEngines.open("lsm", dir, SMALL);
        } else {
          try (ReadTxn r = engine.beginRead()) {
            for (int i = 0; i < 5; i++) {
              KeyRange range = randomRange(random);
              assertEquals(expected(model, range), actual(r, range), context + " " + range);
            }
          }
        }
      }
      final TreeMap<byte[], byte[]> last = model;
      assertEquals(
          expected(last, KeyRange.all()),
          engine.view(r -> actual(r, KeyRange.all())),
          "seed=" + seed + " final");
      engine.verifyIntegrity();
    } finally {
      engine.close();
    }
  }

  private static byte[] randomKey(SplittableRandom random) {
    byte[] key = new byte[1 + random.nextInt(4)];
    for (int i = 0; i < key.length; i++) {
      key[i] = ALPHABET[random.nextInt(ALPHABET.length)];
    }
    return key;
  }

  private static KeyRange randomRange(SplittableRandom random) {
    KeyRange range;
    switch (random.nextInt(5)) {
      case 0:
        range = KeyRange.all();
        break;
      case 1:
        range = KeyRange.prefix(randomKey(random));
        break;
      case 2:
        range = KeyRange.between(randomKey(random), randomKey(random));
        break;
      case 3:
        range = KeyRange.atLeast(randomKey(random));
        break;
      default:
        range = KeyRange.below(randomKey(random));
        break;
    }
    return random.nextBoolean() ? range.reversed() : range;
  }

  private static List<String> expected(TreeMap<byte[], byte[]> model, KeyRange range) {
    NavigableMap<byte[], byte[]> view = model;
    List<String> out = new ArrayList<>();
    for (Map.Entry<byte[], byte[]> e :
        (range.isReversed() ? view.descendingMap() : view).entrySet()) {
      if (range.contains(e.getKey())) {
        out.add(render(e.getKey(), e.getValue()));
      }
    }
    return out;
  }

  private static List<String> actual(ReadTxn txn, KeyRange range) {
    List<String> out = new ArrayList<>();
    try (Cursor c = txn.cursor(range)) {
      while (c.next()) {
        out.add(render(c.key(), c.value()));
      }
    }
    return out;
  }

  private static String render(byte[] key, byte[] value) {
    return HexFormat.of().formatHex(key) + "=" + value.length + ":" + Arrays.hashCode(value);
  }
}
