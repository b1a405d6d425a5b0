package dev.strata.bench.baseline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.Cursor;
import dev.strata.api.Durability;
import dev.strata.api.EngineClosedException;
import dev.strata.api.EngineOptions;
import dev.strata.api.KeyRange;
import dev.strata.api.ReadTxn;
import dev.strata.api.StorageEngine;
import dev.strata.api.StorageEngines;
import dev.strata.api.StoreLockedException;
import dev.strata.api.WriteTxn;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The baselines keep the parts of the contract the bench relies on, checked against a model. */
class BaselineEngineTest {
  @TempDir Path dir;

  private static long seed() {
    String fixed = System.getProperty("strata.test.seed", "");
    long seed = fixed.isBlank() ? System.nanoTime() : Long.parseLong(fixed);
    System.out.println("BaselineEngineTest seed=" + seed + " (rerun with -Dstrata.test.seed=)");
    return seed;
  }

  @ParameterizedTest
  @ValueSource(strings = {"lmdb", "rocksdb"})
  void randomTransactions_matchSortedMapModel_inBothDirections(String engine) {
    long seed = seed();
    SplittableRandom random = new SplittableRandom(seed);
    NavigableMap<byte[], byte[]> model = new TreeMap<>(KeyRange::compare);
    EngineOptions options = EngineOptions.builder().durability(Durability.NO_SYNC).build();
    try (StorageEngine db = StorageEngines.open(engine, dir, options)) {
      for (int t = 0; t < 50; t++) {
        try (WriteTxn txn = db.beginWrite()) {
          for (int i = 0; i < 40; i++) {
            byte[] key = randomKey(random);
            if (random.nextInt(4) == 0) {
              txn.delete(key);
              model.remove(key);
            } else {
              byte[] value = new byte[random.nextInt(40)];
              random.nextBytes(value);
              txn.put(key, value);
              model.put(key, value);
            }
          }
          txn.commit();
        }
        byte[] a = randomKey(random);
        byte[] b = randomKey(random);
        checkRange(db, model, KeyRange.between(a, b), seed);
        checkRange(db, model, KeyRange.between(a, b).reversed(), seed);
      }
      checkRange(db, model, KeyRange.all(), seed);
      checkRange(db, model, KeyRange.all().reversed(), seed);
      checkRange(db, model, KeyRange.prefix(new byte[] {(byte) 0xFF}), seed);
      checkRange(db, model, KeyRange.atLeast(new byte[] {(byte) 0x80}).reversed(), seed);
      checkRange(db, model, KeyRange.below(new byte[] {(byte) 0x80}).reversed(), seed);
      db.verifyIntegrity();
    }
    try (StorageEngine db = StorageEngines.open(engine, dir, options)) {
      checkRange(db, model, KeyRange.all(), seed);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"lmdb", "rocksdb"})
  void readTxn_seesItsSnapshot_notLaterCommits(String engine) {
    try (StorageEngine db = StorageEngines.open(engine, dir)) {
      db.put(bytes("k"), bytes("v1"));
      try (ReadTxn snapshot = db.beginRead()) {
        db.put(bytes("k"), bytes("v2"));
        db.put(bytes("k2"), bytes("x"));
        assertArrayEquals(bytes("v1"), snapshot.get(bytes("k")));
        assertNull(snapshot.get(bytes("k2")));
      }
      assertArrayEquals(bytes("v2"), db.get(bytes("k")));
      long logical = db.meter().logicalBytes();
      assertEquals(3 + 3 + 3, logical);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"lmdb", "rocksdb"})
  void secondOpen_isLocked_andClosedEngineRefusesTxns(String engine) {
    StorageEngine db = StorageEngines.open(engine, dir);
    assertThrows(StoreLockedException.class, () -> StorageEngines.open(engine, dir));
    db.close();
    db.close();
    assertThrows(EngineClosedException.class, db::beginRead);
  }

  @ParameterizedTest
  @ValueSource(strings = {"lmdb", "rocksdb"})
  void rolledBackTxn_leavesNoTrace_andCountsNoLogicalBytes(String engine) {
    try (StorageEngine db = StorageEngines.open(engine, dir)) {
      try (WriteTxn txn = db.beginWrite()) {
        txn.put(bytes("gone"), bytes("value"));
      }
      assertNull(db.get(bytes("gone")));
      assertEquals(0, db.meter().logicalBytes());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"lmdb", "rocksdb"})
  void unknownSetting_isRejected(String engine) {
    EngineOptions bad = EngineOptions.builder().set(engine + ".typo", "1").build();
    assertThrows(IllegalArgumentException.class, () -> StorageEngines.open(engine, dir, bad));
  }

  @ParameterizedTest
  @ValueSource(strings = {"lmdb", "rocksdb"})
  void backup_opensAsStore(String engine) {
    Path copy = dir.resolve("copy");
    try (StorageEngine db = StorageEngines.open(engine, dir.resolve("live"))) {
      db.put(bytes("a"), bytes("1"));
      db.backup(copy);
    }
    try (StorageEngine db = StorageEngines.open(engine, copy)) {
      assertArrayEquals(bytes("1"), db.get(bytes("a")));
    }
  }

  private static void checkRange(
      StorageEngine db, NavigableMap<byte[], byte[]> model, KeyRange range, long seed) {
    List<Map.Entry<byte[], byte[]>> expected = new ArrayList<>();
    for (Map.Entry<byte[], byte[]> e : model.entrySet()) {
      if (range.contains(e.getKey())) {
        expected.add(e);
      }
    }
    if (range.isReversed()) {
      java.util.Collections.reverse(expected);
    }
    try (ReadTxn txn = db.beginRead();
        Cursor cursor = txn.cursor(range)) {
      int i = 0;
      while (cursor.next()) {
        String where = "seed=" + seed + " range=" + range + " entry " + i;
        assertTrue(i < expected.size(), where + ": more entries than the model");
        assertEquals(hex(expected.get(i).getKey()), hex(cursor.key()), where);
        assertEquals(hex(expected.get(i).getValue()), hex(cursor.value()), where);
        i++;
      }
      assertEquals(expected.size(), i, "seed=" + seed + " range=" + range);
    }
  }

  private static byte[] randomKey(SplittableRandom random) {
    byte[] key = new byte[1 + random.nextInt(3)];
    random.nextBytes(key);
    return key;
  }

  private static String hex(byte[] b) {
    return HexFormat.of().formatHex(b);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }
}
