package dev.strata.btree;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.strata.api.Cursor;
import dev.strata.api.KeyRange;
import dev.strata.api.ReadTxn;
import dev.strata.api.WriteTxn;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BTreeSmokeTest {
  @TempDir Path dir;

  @Test
  void putGet_survivesReopen() {
    try (BTreeEngine e = TestSupport.open(dir)) {
      e.put(new byte[] {1}, new byte[] {42});
      assertArrayEquals(new byte[] {42}, e.get(new byte[] {1}));
      e.verifyIntegrity();
    }
    try (BTreeEngine e = TestSupport.open(dir)) {
      assertArrayEquals(new byte[] {42}, e.get(new byte[] {1}));
      assertNull(e.get(new byte[] {2}));
      e.verifyIntegrity();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"hash", "array"})
  void randomOps_matchModel_checkerClean(String freelist) {
    SplittableRandom r = TestSupport.random("randomOps_matchModel_checkerClean[" + freelist + "]");
    TreeMap<byte[], byte[]> model = new TreeMap<>(KeyRange::compare);
    try (BTreeEngine e =
        TestSupport.openNoSync(
            dir,
            "btree.freelist",
            freelist,
            "btree.pageSize",
            "1024",
            "btree.mapChunkSize",
            "65536")) {
      for (int round = 0; round < 60; round++) {
        try (WriteTxn t = e.beginWrite()) {
          int ops = 1 + r.nextInt(400);
          for (int i = 0; i < ops; i++) {
            byte[] k = TestSupport.key(r.nextInt(3000));
            if (r.nextInt(3) == 0) {
              t.delete(k);
              model.remove(k);
            } else {
              int len = r.nextInt(10) == 0 ? r.nextInt(5000) : r.nextInt(60);
              byte[] v = TestSupport.value(r.nextLong(), len);
              t.put(k, v);
              model.put(k, v);
            }
          }
          t.commit();
        }
        e.verifyIntegrity();
        if (round % 10 == 0) {
          check(e, model);
        }
      }
      check(e, model);
    }
    try (BTreeEngine e = TestSupport.open(dir, "btree.freelist", freelist)) {
      check(e, model);
      e.verifyIntegrity();
    }
  }

  private static void check(BTreeEngine e, TreeMap<byte[], byte[]> model) {
    try (ReadTxn t = e.beginRead()) {
      for (Map.Entry<byte[], byte[]> en : model.entrySet()) {
        assertArrayEquals(en.getValue(), t.get(en.getKey()));
      }
      try (Cursor c = t.cursor(KeyRange.all())) {
        int n = 0;
        for (Map.Entry<byte[], byte[]> en : model.entrySet()) {
          assertEquals(true, c.next());
          assertArrayEquals(en.getKey(), c.key());
          assertArrayEquals(en.getValue(), c.value());
          n++;
        }
        assertEquals(false, c.next());
        assertEquals(model.size(), n);
      }
      try (Cursor c = t.cursor(KeyRange.all().reversed())) {
        for (byte[] k : model.descendingKeySet()) {
          assertEquals(true, c.next());
          assertArrayEquals(k, c.key());
        }
        assertEquals(false, c.next());
      }
    }
  }
}
