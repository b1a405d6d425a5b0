package dev.strata.lsm;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.Cursor;
import dev.strata.api.EngineClosedException;
import dev.strata.api.EngineOptions;
import dev.strata.api.KeyRange;
import dev.strata.api.ReadTxn;
import dev.strata.api.StorageEngine;
import dev.strata.api.StorageEngines;
import dev.strata.api.StorageException;
import dev.strata.api.StoreLockedException;
import dev.strata.api.TransactionClosedException;
import dev.strata.api.WriteTxn;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LsmEngineTest {
  @TempDir Path dir;

  static byte[] b(String s) {
    return s.getBytes(UTF_8);
  }

  static List<String> keys(ReadTxn txn, KeyRange range) {
    List<String> out = new ArrayList<>();
    try (Cursor c = txn.cursor(range)) {
      while (c.next()) {
        out.add(new String(c.key(), UTF_8) + "=" + new String(c.value(), UTF_8));
      }
    }
    return out;
  }

  static List<byte[]> rawKeys(ReadTxn txn, KeyRange range) {
    List<byte[]> out = new ArrayList<>();
    try (Cursor c = txn.cursor(range)) {
      while (c.next()) {
        out.add(c.key());
      }
    }
    return out;
  }

  /** Regression: a read-only engine's checkpoint left out the write-ahead log and its commits. */
  @Test
  void backup_ofReadOnlyEngine_includesCommitsOnlyInTheLog() {
    Path store = dir.resolve("store");
    try (StorageEngine e = StorageEngines.open("lsm", store)) {
      e.put("a".getBytes(UTF_8), "1".getBytes(UTF_8));
    }
    try (StorageEngine e = StorageEngines.open("lsm", store)) {
      e.put("b".getBytes(UTF_8), "2".getBytes(UTF_8));
    }
    Path copy = dir.resolve("copy");
    try (StorageEngine e =
        StorageEngines.open("lsm", store, EngineOptions.builder().readOnly(true).build())) {
      e.backup(copy);
    }
    try (StorageEngine e = StorageEngines.open("lsm", copy)) {
      assertArrayEquals("1".getBytes(UTF_8), e.get("a".getBytes(UTF_8)));
      assertArrayEquals("2".getBytes(UTF_8), e.get("b".getBytes(UTF_8)));
      e.verifyIntegrity();
    }
  }

  @Test
  void open_byName_returnsLsmEngine() {
    assertTrue(StorageEngines.available().contains("lsm"));
    try (StorageEngine e = StorageEngines.open("lsm", dir)) {
      assertInstanceOf(LsmEngine.class, e);
      assertEquals("lsm", e.name());
    }
  }

  @Test
  void putGetDelete_roundTrip_andSurviveReopen() {
    try (StorageEngine e = StorageEngines.open("lsm", dir)) {
      e.put(b("a"), b("1"));
      e.put(b("b"), new byte[0]);
      e.delete(b("absent"));
      assertArrayEquals(b("1"), e.get(b("a")));
      assertArrayEquals(new byte[0], e.get(b("b")));
      e.delete(b("a"));
      assertNull(e.get(b("a")));
    }
    try (StorageEngine e = StorageEngines.open("lsm", dir)) {
      assertNull(e.get(b("a")));
      assertArrayEquals(new byte[0], e.get(b("b")));
    }
  }

  @Test
  void writeTxn_readsItsOwnWrites_readersDoNotUntilCommit() {
    try (StorageEngine e = StorageEngines.open("lsm", dir)) {
      e.put(b("k1"), b("old"));
      e.put(b("k3"), b("gone"));
      try (ReadTxn before = e.beginRead();
          WriteTxn w = e.beginWrite()) {
        w.put(b("k1"), b("new"));
        w.put(b("k2"), b("v2"));
        w.delete(b("k3"));
        assertArrayEquals(b("new"), w.get(b("k1")));
        assertNull(w.get(b("k3")));
        assertEquals(List.of("k1=new", "k2=v2"), keys(w, KeyRange.all()));
        assertEquals(List.of("k2=v2", "k1=new"), keys(w, KeyRange.all().reversed()));
        assertEquals(List.of("k1=old", "k3=gone"), keys(before, KeyRange.all()));
        w.commit();
        assertEquals(List.of("k1=old", "k3=gone"), keys(before, KeyRange.all()));
      }
      try (ReadTxn after = e.beginRead()) {
        assertEquals(List.of("k1=new", "k2=v2"), keys(after, KeyRange.all()));
      }
    }
  }

  @Test
  void writeTxn_switchingToIndexedBatchMidway_keepsEveryEarlierWrite() {
    try (StorageEngine e = StorageEngines.open("lsm", dir)) {
      e.put(b("gone"), b("x"));
      e.put(b("kept"), b("old"));
      try (WriteTxn w = e.beginWrite()) {
        assertArrayEquals(b("old"), w.get(b("kept")));
        assertEquals(List.of("gone=x", "kept=old"), keys(w, KeyRange.all()));
        w.put(b("a"), b("1"));
        w.delete(b("gone"));
        w.put(b("kept"), b("new"));
        w.put(b("a"), b("2"));
        assertArrayEquals(b("2"), w.get(b("a")));
        assertNull(w.get(b("gone")));
        w.put(b("b"), b("3"));
        assertEquals(List.of("a=2", "b=3", "kept=new"), keys(w, KeyRange.all()));
        w.commit();
      }
      try (WriteTxn w = e.beginWrite()) {
        w.put(b("c"), b("4"));
        w.delete(b("b"));
        w.commit();
      }
      assertEquals(List.of("a=2", "c=4", "kept=new"), e.view(r -> keys(r, KeyRange.all())));
      // 5 + 7 one-shot; 2 + 4 + 7 + 2 + 2 in the first txn; 2 + 1 in the second.
      assertEquals(32, e.meter().logicalBytes());
    }
  }

  @Test
  void rollback_leavesNoTrace_evenAfterReopen() {
    try (StorageEngine e = StorageEngines.open("lsm", dir)) {
      try (WriteTxn w = e.beginWrite()) {
        w.put(b("x"), b("1"));
        w.rollback();
      }
      try (WriteTxn w = e.beginWrite()) {
        w.put(b("y"), b("1"));
      }
      assertNull(e.get(b("x")));
      assertNull(e.get(b("y")));
      assertEquals(0, e.meter().logicalBytes());
    }
    try (StorageEngine e = StorageEngines.open("lsm", dir)) {
      assertNull(e.get(b("x")));
      assertNull(e.get(b("y")));
    }
  }

  @Test
  void cursor_boundsAndDirections_matchHalfOpenRanges() {
    try (StorageEngine e = StorageEngines.open("lsm", dir)) {
      e.update(
          w -> {
            for (String k : List.of("a", "b", "ba", "bb", "c", "d")) {
              w.put(b(k), b(k));
            }
            return null;
          });
      try (ReadTxn r = e.beginRead()) {
        assertEquals(List.of("b=b", "ba=ba", "bb=bb"), keys(r, KeyRange.prefix(b("b"))));
        assertEquals(List.of("bb=bb", "ba=ba", "b=b"), keys(r, KeyRange.prefix(b("b")).reversed()));
        assertEquals(List.of("b=b", "ba=ba", "bb=bb"), keys(r, KeyRange.between(b("b"), b("c"))));
        assertEquals(
            List.of("bb=bb", "ba=ba", "b=b"), keys(r, KeyRange.between(b("b"), b("c")).reversed()));
        assertEquals(List.of("c=c", "d=d"), keys(r, KeyRange.atLeast(b("c"))));
        assertEquals(List.of("b=b", "a=a"), keys(r, KeyRange.below(b("ba")).reversed()));
        assertEquals(List.of(), keys(r, KeyRange.between(b("c"), b("c"))));
        assertEquals(List.of(), keys(r, KeyRange.between(b("d"), b("a")).reversed()));
        assertEquals(
            List.of("d=d", "c=c", "bb=bb", "ba=ba", "b=b", "a=a"),
            keys(r, KeyRange.all().reversed()));
      }
    }
  }

  @Test
  void cursor_allFfPrefix_includesKeysUpToTheEnd_bothDirections() {
    byte[] ff = {(byte) 0xFF};
    byte[] ffff = {(byte) 0xFF, (byte) 0xFF};
    byte[] ffff00 = {(byte) 0xFF, (byte) 0xFF, 0};
    byte[] fe = {(byte) 0xFE};
    try (StorageEngine e = StorageEngines.open("lsm", dir)) {
      for (byte[] k : List.of(fe, ff, ffff, ffff00)) {
        e.put(k, k);
      }
      try (ReadTxn r = e.beginRead()) {
        List<byte[]> asc = rawKeys(r, KeyRange.prefix(ffff));
        assertEquals(2, asc.size());
        assertArrayEquals(ffff, asc.get(0));
        assertArrayEquals(ffff00, asc.get(1));
        List<byte[]> desc = rawKeys(r, KeyRange.prefix(ff).reversed());
        assertEquals(3, desc.size());
        assertArrayEquals(ffff00, desc.get(0));
        assertArrayEquals(ff, desc.get(2));
      }
      try (WriteTxn w = e.beginWrite()) {
        w.put(new byte[] {(byte) 0xFF, 1}, b("v"));
        assertEquals(4, rawKeys(w, KeyRange.prefix(ff)).size());
        assertEquals(4, rawKeys(w, KeyRange.prefix(ff).reversed()).size());
        assertEquals(1, rawKeys(w, KeyRange.below(ff)).size());
      }
    }
  }

  @Test
  void cursor_repeatedKeyAndValueCalls_returnFreshUnchangedArrays() {
    try (StorageEngine e = StorageEngines.open("lsm", dir)) {
      e.put(b("k"), b("v"));
      try (ReadTxn r = e.beginRead();
          Cursor c = r.cursor(KeyRange.all())) {
        assertTrue(c.next());
        byte[] first = c.key();
        byte[] firstValue = c.value();
        first[0] = 'x';
        firstValue[0] = 'x';
        assertArrayEquals(b("k"), c.key());
        assertArrayEquals(b("v"), c.value());
      }
      try (WriteTxn w = e.beginWrite()) {
        w.put(b("j"), b("w"));
        try (Cursor c = w.cursor(KeyRange.all())) {
          assertTrue(c.next());
          c.key()[0] = 'x';
          c.value()[0] = 'x';
          assertArrayEquals(b("j"), c.key());
          assertArrayEquals(b("w"), c.value());
        }
      }
    }
  }

  @Test
  void writeCursor_respectsBounds_forBatchOnlyKeys() {
    try (StorageEngine e = StorageEngines.open("lsm", dir);
        WriteTxn w = e.beginWrite()) {
      for (String k : List.of("a", "b", "c", "d")) {
        w.put(b(k), b(k));
      }
      assertEquals(List.of("b=b", "c=c"), keys(w, KeyRange.between(b("b"), b("d"))));
      assertEquals(List.of("c=c", "b=b"), keys(w, KeyRange.between(b("b"), b("d")).reversed()));
    }
  }

  @Test
  void writeCursor_survivesWritesWhileIterating() {
    try (StorageEngine e = StorageEngines.open("lsm", dir);
        WriteTxn w = e.beginWrite()) {
      for (int i = 0; i < 100; i++) {
        w.put(b("k" + (100 + i)), b("v"));
      }
      int seen = 0;
      try (Cursor c = w.cursor(KeyRange.all())) {
        while (c.next()) {
          byte[] key = c.key();
          w.put(key, b("updated"));
          w.put(b("z" + seen), b("new"));
          assertTrue(c.value().length > 0);
          seen++;
        }
      }
      assertTrue(seen >= 100, "saw " + seen);
    }
  }

  @Test
  void secondOpen_sameDirectory_throwsStoreLocked() {
    try (StorageEngine e = StorageEngines.open("lsm", dir)) {
      assertThrows(StoreLockedException.class, () -> StorageEngines.open("lsm", dir));
      assertThrows(
          StoreLockedException.class,
          () -> StorageEngines.open("lsm", dir, EngineOptions.builder().readOnly(true).build()));
      e.put(b("k"), b("v"));
    }
    try (StorageEngine e = StorageEngines.open("lsm", dir)) {
      assertArrayEquals(b("v"), e.get(b("k")));
    }
  }

  @Test
  void readOnly_readsButRefusesWrites() {
    try (StorageEngine e = StorageEngines.open("lsm", dir)) {
      e.put(b("k"), b("v"));
    }
    try (StorageEngine e =
        StorageEngines.open("lsm", dir, EngineOptions.builder().readOnly(true).build())) {
      assertArrayEquals(b("v"), e.get(b("k")));
      assertThrows(UnsupportedOperationException.class, e::beginWrite);
      assertThrows(UnsupportedOperationException.class, () -> e.put(b("k"), b("w")));
    }
  }

  @Test
  void missingStore_withoutCreateIfMissing_throwsAndCreatesNothing() {
    Path missing = dir.resolve("nope");
    assertThrows(
        StorageException.class,
        () ->
            StorageEngines.open(
                "lsm", missing, EngineOptions.builder().createIfMissing(false).build()));
    assertFalse(Files.exists(missing));
  }

  @Test
  void foreignDirectory_isRefused() throws Exception {
    Files.writeString(dir.resolve("data.bin"), "not rocksdb");
    assertThrows(StorageException.class, () -> StorageEngines.open("lsm", dir));
    assertEquals("not rocksdb", Files.readString(dir.resolve("data.bin")));
  }

  @Test
  void close_endsOpenTxnsAndCursors_withTypedExceptions() {
    StorageEngine e = StorageEngines.open("lsm", dir);
    e.put(b("k"), b("v"));
    ReadTxn r = e.beginRead();
    Cursor c = r.cursor(KeyRange.all());
    assertTrue(c.next());
    WriteTxn w = e.beginWrite();
    w.put(b("uncommitted"), b("v"));
    e.close();
    e.close();
    assertThrows(TransactionClosedException.class, () -> r.get(b("k")));
    assertThrows(TransactionClosedException.class, c::next);
    assertThrows(TransactionClosedException.class, c::key);
    assertThrows(TransactionClosedException.class, () -> w.put(b("a"), b("b")));
    assertThrows(TransactionClosedException.class, w::commit);
    c.close();
    r.close();
    w.rollback();
    assertThrows(EngineClosedException.class, e::beginRead);
    assertThrows(EngineClosedException.class, () -> e.get(b("k")));
    assertThrows(EngineClosedException.class, e::stats);
    try (StorageEngine again = StorageEngines.open("lsm", dir)) {
      assertNull(again.get(b("uncommitted")));
      assertArrayEquals(b("v"), again.get(b("k")));
    }
  }

  @Test
  void close_whileReadersRun_neverCrashesTheJvm() throws Exception {
    StorageEngine e = StorageEngines.open("lsm", dir);
    e.update(
        w -> {
          for (int i = 0; i < 1000; i++) {
            w.put(b("k" + i), b("v" + i));
          }
          return null;
        });
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 2; t++) {
      Thread th =
          new Thread(
              () -> {
                try {
                  while (true) {
                    try (ReadTxn r = e.beginRead();
                        Cursor c = r.cursor(KeyRange.all())) {
                      while (c.next()) {
                        c.key();
                        c.value();
                      }
                      r.get(b("k5"));
                    }
                  }
                } catch (StorageException expected) {
                  // EngineClosedException or TransactionClosedException once close() ran.
                }
              });
      th.start();
      threads.add(th);
    }
    Thread.sleep(200);
    e.close();
    for (Thread th : threads) {
      th.join(10_000);
      assertFalse(th.isAlive());
    }
  }

  @Test
  void backup_opensAsStore_withCommittedStateOnly() {
    Path copy = dir.resolve("copy");
    Path store = dir.resolve("store");
    try (StorageEngine e = StorageEngines.open("lsm", store)) {
      e.put(b("k"), b("v"));
      try (WriteTxn w = e.beginWrite()) {
        w.put(b("pending"), b("x"));
        e.backup(copy);
      }
      assertThrows(IllegalArgumentException.class, () -> e.backup(copy));
    }
    try (StorageEngine c = StorageEngines.open("lsm", copy)) {
      assertArrayEquals(b("v"), c.get(b("k")));
      assertNull(c.get(b("pending")));
    }
  }

  @Test
  void stats_reportDocumentedKeys() {
    try (LsmEngine e = (LsmEngine) StorageEngines.open("lsm", dir)) {
      for (int i = 0; i < 100; i++) {
        e.put(b("k" + i), b("v"));
      }
      e.flush();
      e.compactRange();
      Map<String, Number> s = e.stats();
      for (String k :
          List.of(
              "estimatedKeys",
              "liveSstBytes",
              "memtableBytes",
              "pendingCompactionBytes",
              "filesAtLevel0",
              "filesAtLevel6",
              "rocksdbWriteAmp",
              "blockCacheUsageBytes",
              "walBytes",
              "flushBytes",
              "compactionBytes",
              "openTransactions")) {
        assertTrue(s.containsKey(k), k + " in " + s);
      }
      assertEquals(100L, s.get("estimatedKeys").longValue());
      assertTrue(s.get("liveSstBytes").longValue() > 0);
      assertFalse(Double.isNaN(s.get("rocksdbWriteAmp").doubleValue()), s.toString());
    }
  }

  @Test
  void writeTxn_sameThreadTwice_failsInsteadOfDeadlocking() {
    try (StorageEngine e = StorageEngines.open("lsm", dir);
        WriteTxn w = e.beginWrite()) {
      assertThrows(IllegalStateException.class, e::beginWrite);
      assertThrows(IllegalStateException.class, () -> e.put(b("k"), b("v")));
      w.put(b("k"), b("v"));
    }
  }

  @Test
  void invalidArguments_throwBeforeTouchingTheStore() {
    try (StorageEngine e = StorageEngines.open("lsm", dir);
        WriteTxn w = e.beginWrite()) {
      assertThrows(NullPointerException.class, () -> w.put(null, b("v")));
      assertThrows(NullPointerException.class, () -> w.put(b("k"), null));
      assertThrows(IllegalArgumentException.class, () -> w.put(new byte[0], b("v")));
      assertThrows(IllegalArgumentException.class, () -> w.get(new byte[32_769]));
      assertThrows(NullPointerException.class, () -> w.cursor(null));
      assertThrows(NullPointerException.class, () -> e.backup(null));
      w.put(new byte[32_768], b("max"));
      assertArrayEquals(b("max"), w.get(new byte[32_768]));
    }
  }
}
