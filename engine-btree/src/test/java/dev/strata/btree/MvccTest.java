package dev.strata.btree;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.Cursor;
import dev.strata.api.KeyRange;
import dev.strata.api.ReadTxn;
import dev.strata.api.WriteTxn;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Snapshot readers against a churning writer: no page is reused under a reader. */
class MvccTest {
  @TempDir Path dir;

  @ParameterizedTest(name = "freelist={0}")
  @ValueSource(strings = {"hash", "array"})
  void oldReader_seesByteIdenticalData_whileWriterChurns(String freelist) {
    SplittableRandom r = TestSupport.random("oldReader_seesByteIdenticalData[" + freelist + "]");
    // SYNC: under NO_SYNC the last synced meta pins pages too, up to the next sync.
    try (BTreeEngine e = TestSupport.open(dir, "btree.freelist", freelist)) {
      try (WriteTxn t = e.beginWrite()) {
        for (int i = 0; i < 5000; i++) {
          t.put(TestSupport.key(i), TestSupport.value(i, i % 100 == 0 ? 6000 : 50));
        }
        t.commit();
      }
      ReadTxn old = e.beginRead();
      TreeMap<byte[], byte[]> pinned = scan(old);
      for (int commit = 0; commit < 120; commit++) {
        try (WriteTxn t = e.beginWrite()) {
          for (int i = 0; i < 300; i++) {
            long k = r.nextInt(6000);
            if (r.nextInt(4) == 0) {
              t.delete(TestSupport.key(k));
            } else {
              t.put(
                  TestSupport.key(k),
                  TestSupport.value(r.nextLong(), r.nextInt(50) == 0 ? 7000 : 50));
            }
          }
          t.commit();
        }
        if (commit % 20 == 0) {
          e.verifyIntegrity();
          assertSame(pinned, scan(old));
        }
      }
      assertSame(pinned, scan(old));
      for (Map.Entry<byte[], byte[]> en : pinned.entrySet()) {
        assertArrayEquals(en.getValue(), old.get(en.getKey()));
      }
      long pinnedPages = (Long) e.stats().get("pendingPages");
      assertTrue(pinnedPages > 1000, "the old reader pins pages: " + pinnedPages);
      old.close();
      e.put(TestSupport.key(1), new byte[1]);
      e.put(TestSupport.key(1), new byte[2]);
      e.verifyIntegrity();
      long left = (Long) e.stats().get("pendingPages");
      assertTrue(left * 10 < pinnedPages, "released: " + left + " of " + pinnedPages + " pending");
    }
  }

  @ParameterizedTest(name = "freelist={0}")
  @ValueSource(strings = {"hash", "array"})
  void oldReader_underNoSync_withSyncPointsPassingIt_seesByteIdenticalData(String freelist) {
    SplittableRandom r = TestSupport.random("oldReader_underNoSync[" + freelist + "]");
    try (BTreeEngine e = TestSupport.openNoSync(dir, "btree.freelist", freelist)) {
      SyncPoints.noSyncIntervalNanos = Long.MAX_VALUE;
      for (int commit = 0; commit < 12; commit++) {
        churn(e, r, commit == 0 ? 5000 : 300);
      }
      ReadTxn old = e.beginRead();
      TreeMap<byte[], byte[]> pinned = scan(old);
      for (int commit = 0; commit < 150; commit++) {
        // Every seventh commit is a sync point: the pinned synced meta moves past the reader, and
        // each commit releases two gaps, below and above it, that last over several commits.
        SyncPoints.noSyncIntervalNanos = commit % 7 == 6 ? 0 : Long.MAX_VALUE;
        churn(e, r, 300);
        if (commit % 25 == 0) {
          e.verifyIntegrity();
          assertSame(pinned, scan(old));
        }
      }
      assertSame(pinned, scan(old));
      old.close();
      churn(e, r, 300);
      e.verifyIntegrity();
    } finally {
      SyncPoints.noSyncIntervalNanos = SyncPoints.NO_SYNC_INTERVAL_NANOS;
    }
  }

  /** One commit of {@code puts} puts and deletes at random keys, some values on overflow pages. */
  private static void churn(BTreeEngine e, SplittableRandom r, int puts) {
    try (WriteTxn t = e.beginWrite()) {
      for (int i = 0; i < puts; i++) {
        long k = r.nextInt(6000);
        if (r.nextInt(4) == 0) {
          t.delete(TestSupport.key(k));
        } else {
          t.put(
              TestSupport.key(k), TestSupport.value(r.nextLong(), r.nextInt(50) == 0 ? 7000 : 50));
        }
      }
      t.commit();
    }
  }

  @ParameterizedTest(name = "freelist={0}")
  @ValueSource(strings = {"hash", "array"})
  void longLivedReader_pinsOnlyWhatItSees(String freelist) {
    // SYNC: under NO_SYNC the last synced meta pins pages too, up to the next sync.
    try (BTreeEngine e = TestSupport.open(dir, "btree.freelist", freelist)) {
      try (WriteTxn t = e.beginWrite()) {
        for (int i = 0; i < 20_000; i++) {
          t.put(TestSupport.key(i), new byte[40]);
        }
        t.commit();
      }
      // Free pages to allocate from: pages taken from the end of the file have no known
      // allocating txid, so only pages handed out by the freelist can be released early.
      try (WriteTxn t = e.beginWrite()) {
        for (int i = 10_000; i < 20_000; i++) {
          t.delete(TestSupport.key(i));
        }
        t.commit();
      }
      e.put(TestSupport.key(6), new byte[40]);
      e.put(TestSupport.key(6), new byte[40]);
      try (ReadTxn old = e.beginRead()) {
        e.put(TestSupport.key(5), new byte[41]);
        e.put(TestSupport.key(5), new byte[42]);
        long before = e.store.meta.highWater();
        for (int i = 0; i < 300; i++) {
          e.put(TestSupport.key(5), new byte[1 + i % 40]);
        }
        long growth = e.store.meta.highWater() - before;
        long pending = (Long) e.stats().get("pendingPages");
        // Each commit rewrites a root-to-leaf path and the freelist page; without releasing the
        // pages born and freed after the reader's snapshot, 300 commits would pin about 1000.
        assertTrue(growth == 0, "high-water grew by " + growth + " pages under one old reader");
        assertTrue(pending < 60, pending + " pages pending under one old reader");
        assertEquals(40, old.get(TestSupport.key(5)).length);
        e.verifyIntegrity();
      }
    }
  }

  @ParameterizedTest(name = "freelist={0}")
  @ValueSource(strings = {"hash", "array"})
  void concurrentReaders_alwaysSeeOneCommittedVersion(String freelist) throws Exception {
    int keys = 2000;
    try (BTreeEngine e = TestSupport.openNoSync(dir, "btree.freelist", freelist)) {
      writeVersion(e, keys, 0);
      AtomicBoolean stop = new AtomicBoolean();
      AtomicReference<Throwable> failure = new AtomicReference<>();
      List<Thread> readers = new ArrayList<>();
      for (int t = 0; t < 3; t++) {
        Thread th =
            new Thread(
                () -> {
                  try {
                    while (!stop.get()) {
                      try (ReadTxn txn = e.beginRead();
                          Cursor c = txn.cursor(KeyRange.all())) {
                        long version = -1;
                        int n = 0;
                        while (c.next()) {
                          long v = ByteBuffer.wrap(c.value()).getLong();
                          if (version < 0) {
                            version = v;
                          }
                          if (v != version) {
                            throw new AssertionError("mixed versions " + version + " and " + v);
                          }
                          n++;
                        }
                        if (n != keys) {
                          throw new AssertionError("saw " + n + " keys");
                        }
                      }
                    }
                  } catch (Throwable ex) {
                    failure.compareAndSet(null, ex);
                  }
                });
        th.start();
        readers.add(th);
      }
      for (int version = 1; version <= 150 && failure.get() == null; version++) {
        writeVersion(e, keys, version);
      }
      stop.set(true);
      for (Thread th : readers) {
        th.join();
      }
      if (failure.get() != null) {
        throw new AssertionError(failure.get());
      }
      e.verifyIntegrity();
    }
  }

  private static void writeVersion(BTreeEngine e, int keys, long version) {
    try (WriteTxn t = e.beginWrite()) {
      byte[] v = ByteBuffer.allocate(version % 7 == 0 ? 5000 : 24).putLong(version).array();
      for (int i = 0; i < keys; i++) {
        t.put(TestSupport.key(i), v);
      }
      t.commit();
    }
  }

  private static TreeMap<byte[], byte[]> scan(ReadTxn t) {
    TreeMap<byte[], byte[]> m = new TreeMap<>(KeyRange::compare);
    try (Cursor c = t.cursor(KeyRange.all())) {
      while (c.next()) {
        m.put(c.key(), c.value());
      }
    }
    return m;
  }

  private static void assertSame(TreeMap<byte[], byte[]> expected, TreeMap<byte[], byte[]> seen) {
    assertEquals(expected.size(), seen.size());
    for (Map.Entry<byte[], byte[]> en : expected.entrySet()) {
      assertArrayEquals(en.getValue(), seen.get(en.getKey()));
    }
  }
}
