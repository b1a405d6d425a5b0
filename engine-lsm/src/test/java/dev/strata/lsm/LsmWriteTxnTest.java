package dev.strata.lsm;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.Durability;
import dev.strata.api.EngineOptions;
import dev.strata.api.KeyRange;
import dev.strata.api.ReadTxn;
import dev.strata.api.StorageEngines;
import dev.strata.api.WriteTxn;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The write transaction's heap overlay as RocksDB receives it at commit: each key once, in key
 * order, range tombstones before the keys written after them, the last write of a key winning.
 */
class LsmWriteTxnTest {
  @TempDir Path dir;

  private LsmEngine open() {
    return (LsmEngine)
        StorageEngines.open(
            "lsm", dir, EngineOptions.builder().durability(Durability.NO_SYNC).build());
  }

  private static byte[] b(String s) {
    return s.getBytes(UTF_8);
  }

  @Test
  void keyWrittenManyTimes_reachesTheWriteAheadLogOnce() {
    try (LsmEngine e = open()) {
      long walBefore = e.stats().get("walBytes").longValue();
      byte[] value = new byte[1_000];
      try (WriteTxn txn = e.beginWrite()) {
        for (int i = 0; i < 1_000; i++) {
          value[0] = (byte) i;
          txn.put(b("hot"), value);
        }
        txn.commit();
      }
      long wal = e.stats().get("walBytes").longValue() - walBefore;
      // 1,000 puts of 1,000 bytes would log about 1 MB; one surviving put logs about 1 KB.
      assertTrue(wal > 1_000 && wal < 2_000, "WAL bytes of the commit: " + wal);
      assertEquals((byte) 999, e.get(b("hot"))[0]);
      assertEquals(1_000L * (3 + 1_000), e.meter().logicalBytes(), "logical bytes count every put");
      e.verifyIntegrity();
    }
  }

  @Test
  void rangeDeletedThenRewritten_keepsTheRewrite_andDropsTheRest() {
    try (LsmEngine e = open()) {
      try (WriteTxn txn = e.beginWrite()) {
        for (String k : List.of("a", "b", "c", "d")) {
          txn.put(b(k), b("old-" + k));
        }
        txn.commit();
      }
      try (WriteTxn txn = e.beginWrite()) {
        txn.put(b("c"), b("mid-c"));
        txn.deleteRange(KeyRange.between(b("b"), b("d")));
        txn.put(b("b"), b("new-b"));
        txn.delete(b("d"));
        txn.put(b("d"), b("new-d"));
        txn.delete(b("a"));
        txn.commit();
      }
      assertNull(e.get(b("a")));
      assertArrayEquals(b("new-b"), e.get(b("b")));
      assertNull(e.get(b("c")));
      assertArrayEquals(b("new-d"), e.get(b("d")));
      e.flush();
      assertNull(e.get(b("c")));
      assertArrayEquals(b("new-b"), e.get(b("b")));
      e.verifyIntegrity();
    }
  }

  @Test
  void manyKeys_rangeDeletedInTheMiddle_readsCursorAndCommitAgree() {
    try (LsmEngine e = open()) {
      try (WriteTxn txn = e.beginWrite()) {
        for (int i = 0; i < 10_000; i++) {
          txn.put(b(String.format("k%05d", i)), b("v" + i));
        }
        txn.deleteRange(KeyRange.between(b("k02000"), b("k08000")));
        txn.put(b("k05000"), b("back"));
        assertNull(txn.get(b("k02000")));
        assertArrayEquals(b("v1999"), txn.get(b("k01999")));
        assertArrayEquals(b("back"), txn.get(b("k05000")));
        assertArrayEquals(b("v8000"), txn.get(b("k08000")));
        int seen = 0;
        try (var c = txn.cursor(KeyRange.all())) {
          while (c.next()) {
            seen++;
          }
        }
        assertEquals(4_001, seen);
        txn.commit();
      }
      assertNull(e.get(b("k07999")));
      assertArrayEquals(b("back"), e.get(b("k05000")));
      assertArrayEquals(b("v9999"), e.get(b("k09999")));
      try (ReadTxn read = e.beginRead()) {
        assertEquals(4_001, LsmEngineTest.keys(read, KeyRange.all()).size());
      }
      e.verifyIntegrity();
    }
  }

  @Test
  void callersArrays_areCopiedIn() {
    try (LsmEngine e = open()) {
      byte[] key = b("k1");
      byte[] value = b("v1");
      try (WriteTxn txn = e.beginWrite()) {
        txn.put(key, value);
        key[1] = '2';
        value[1] = '2';
        assertArrayEquals(b("v1"), txn.get(b("k1")));
        assertNull(txn.get(b("k2")));
        txn.commit();
      }
      assertArrayEquals(b("v1"), e.get(b("k1")));
      assertNull(e.get(b("k2")));
      e.verifyIntegrity();
    }
  }
}
