package dev.strata.tck;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertThrowsExactly;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.Cursor;
import dev.strata.api.KeyRange;
import dev.strata.api.ReadTxn;
import dev.strata.api.TransactionClosedException;
import dev.strata.api.WriteTxn;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Conformance, part 2: isolation, transaction life cycle, the {@code view}/{@code update} helpers,
 * concurrency, closing, durability across reopen and backup. Part of {@link StorageEngineContract};
 * engines subclass that class, not this one.
 */
public abstract class TransactionContract extends AdapterSupportContract {

  // ---- interrupts ----

  /**
   * A caller whose interrupt flag is set can read (point gets, scans, commits through a write
   * transaction begun before the interrupt) and keeps its flag; the store stays usable for every
   * thread afterwards. (A file channel closes itself when an interrupted thread does I/O on it.)
   */
  @Test
  void calls_fromAnInterruptedThread_work_keepTheFlag_andLeaveTheStoreUsable() {
    engine.put(b("a"), b("1"));
    engine.put(b("b"), b("2"));
    WriteTxn w = engine.beginWrite();
    w.put(b("c"), b("3"));
    Thread.currentThread().interrupt();
    try {
      assertArrayEquals(b("1"), engine.get(b("a")));
      try (ReadTxn r = engine.beginRead()) {
        assertEquals(2, scan(r, KeyRange.all()).size());
      }
      w.commit();
      assertTrue(Thread.currentThread().isInterrupted(), "the caller's interrupt flag is kept");
    } finally {
      Thread.interrupted();
      w.close();
    }
    engine.put(b("d"), b("4"));
    assertArrayEquals(b("3"), engine.get(b("c")));
    assertArrayEquals(b("4"), engine.get(b("d")));
    engine.verifyIntegrity();
  }

  // ---- isolation ----

  @Test
  void readTxn_doesNotSeeCommitsAfterItBegan() {
    engine.put(b("k"), b("old"));
    try (ReadTxn reader = engine.beginRead()) {
      engine.put(b("k"), b("new"));
      engine.put(b("other"), b("x"));
      assertArrayEquals(b("old"), reader.get(b("k")));
      assertNull(reader.get(b("other")));
      assertEquals(List.of(render(b("k"), b("old"))), scan(reader, KeyRange.all()));
    }
    assertArrayEquals(b("new"), engine.get(b("k")));
  }

  @Test
  void readTxn_snapshotHoldsAcrossManyLaterCommits() {
    TreeMap<byte[], byte[]> before = model();
    for (int i = 0; i < 200; i++) {
      before.put(b(String.format("key-%04d", i)), b("v0-" + i));
    }
    putAll(engine, before);
    try (ReadTxn reader = engine.beginRead()) {
      SplittableRandom random = new SplittableRandom(5);
      for (int round = 1; round <= 100; round++) {
        int r = round;
        engine.update(
            txn -> {
              for (int j = 0; j < 20; j++) {
                byte[] key = b(String.format("key-%04d", random.nextInt(300)));
                if (random.nextInt(3) == 0) {
                  txn.delete(key);
                } else {
                  txn.put(key, randomBytes(random, random.nextInt(r * 20)));
                }
              }
              return null;
            });
      }
      assertEquals(expected(before, KeyRange.all()), scan(reader, KeyRange.all()));
      assertEquals(
          expected(before, KeyRange.all().reversed()), scan(reader, KeyRange.all().reversed()));
      for (var e : before.entrySet()) {
        assertArrayEquals(e.getValue(), reader.get(e.getKey()));
      }
    }
  }

  @Test
  void readTxns_begunAtDifferentTimes_seeTheirOwnSnapshots() {
    engine.put(b("k"), b("1"));
    try (ReadTxn first = engine.beginRead()) {
      engine.put(b("k"), b("2"));
      try (ReadTxn second = engine.beginRead()) {
        engine.delete(b("k"));
        try (ReadTxn third = engine.beginRead()) {
          assertArrayEquals(b("1"), first.get(b("k")));
          assertArrayEquals(b("2"), second.get(b("k")));
          assertNull(third.get(b("k")));
        }
      }
    }
  }

  @Test
  protected void writeTxn_getSeesOwnPutsAndDeletes() {
    engine.put(b("a"), b("1"));
    engine.put(b("b"), b("2"));
    try (WriteTxn txn = engine.beginWrite()) {
      txn.put(b("c"), b("3"));
      txn.put(b("a"), b("1b"));
      txn.delete(b("b"));
      assertArrayEquals(b("1b"), txn.get(b("a")));
      assertNull(txn.get(b("b")));
      assertArrayEquals(b("3"), txn.get(b("c")));
      txn.put(b("b"), b("2b"));
      assertArrayEquals(b("2b"), txn.get(b("b")));
      txn.commit();
    }
    assertArrayEquals(b("2b"), engine.get(b("b")));
  }

  @Test
  protected void writeTxn_cursorMergesOwnWritesBothDirections() {
    TreeMap<byte[], byte[]> model = model();
    for (String k : List.of("a", "c", "e", "g")) {
      model.put(b(k), b("base-" + k));
    }
    putAll(engine, model);
    try (WriteTxn txn = engine.beginWrite()) {
      txn.put(b("b"), b("new-b"));
      txn.put(b("e"), b("new-e"));
      txn.delete(b("c"));
      txn.delete(b("zz"));
      txn.put(b("h"), b("new-h"));
      model.put(b("b"), b("new-b"));
      model.put(b("e"), b("new-e"));
      model.remove(b("c"));
      model.put(b("h"), b("new-h"));
      for (KeyRange r :
          List.of(
              KeyRange.all(),
              KeyRange.between(b("b"), b("g")),
              KeyRange.atLeast(b("d")),
              KeyRange.prefix(b("h")))) {
        assertEquals(expected(model, r), scan(txn, r), r.toString());
        assertEquals(expected(model, r.reversed()), scan(txn, r.reversed()), r.toString());
      }
      txn.rollback();
    }
  }

  @Test
  void writeTxn_uncommittedWrites_invisibleToReaders() {
    engine.put(b("k"), b("committed"));
    try (WriteTxn txn = engine.beginWrite()) {
      txn.put(b("k"), b("pending"));
      txn.put(b("new"), b("pending"));
      assertArrayEquals(b("committed"), engine.get(b("k")));
      assertNull(engine.get(b("new")));
      try (ReadTxn reader = engine.beginRead()) {
        assertEquals(List.of(render(b("k"), b("committed"))), scan(reader, KeyRange.all()));
      }
      txn.commit();
    }
    assertArrayEquals(b("pending"), engine.get(b("new")));
  }

  @Test
  void rollback_discardsEveryWrite() {
    engine.put(b("keep"), b("1"));
    try (WriteTxn txn = engine.beginWrite()) {
      txn.put(b("keep"), b("changed"));
      txn.put(b("added"), b("x"));
      txn.delete(b("keep"));
      txn.rollback();
      txn.rollback();
    }
    assertEquals(List.of(render(b("keep"), b("1"))), scan(engine, KeyRange.all()));
  }

  @Test
  void close_withoutCommit_rollsBack() {
    WriteTxn txn = engine.beginWrite();
    txn.put(b("k"), b("v"));
    txn.close();
    assertNull(engine.get(b("k")));
    engine.put(b("after"), b("ok"));
    assertArrayEquals(b("ok"), engine.get(b("after")));
  }

  @Test
  void beginWrite_whileAnotherOpen_blocksUntilItEnds() throws Exception {
    WriteTxn first = engine.beginWrite();
    first.put(b("first"), b("1"));
    CountDownLatch started = new CountDownLatch(1);
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      Future<byte[]> second =
          pool.submit(
              () -> {
                started.countDown();
                try (WriteTxn txn = engine.beginWrite()) {
                  byte[] seen = txn.get(b("first"));
                  txn.put(b("second"), b("2"));
                  txn.commit();
                  return seen;
                }
              });
      assertTrue(started.await(10, TimeUnit.SECONDS));
      Thread.sleep(300);
      assertFalse(second.isDone(), "second beginWrite() returned while the first was open");
      first.commit();
      assertArrayEquals(
          b("1"),
          second.get(30, TimeUnit.SECONDS),
          "the second writer must see the first writer's commit");
    } finally {
      pool.shutdownNow();
    }
    assertArrayEquals(b("2"), engine.get(b("second")));
  }

  @Test
  void beginWrite_twiceOnSameThread_throwsInsteadOfDeadlocking() {
    try (WriteTxn txn = engine.beginWrite()) {
      txn.put(b("k"), b("v"));
      assertThrowsExactly(IllegalStateException.class, engine::beginWrite);
      txn.commit();
    }
    assertArrayEquals(b("v"), engine.get(b("k")));
  }

  @Test
  void readTxn_openWhileWriterCommits_doesNotBlockWriter() {
    try (ReadTxn reader = engine.beginRead()) {
      for (int i = 0; i < 20; i++) {
        engine.put(b("k" + i), b("v"));
      }
      assertNull(reader.get(b("k0")));
    }
    assertArrayEquals(b("v"), engine.get(b("k19")));
  }

  // ---- helpers ----

  @Test
  void update_commitsWhenWorkReturns() {
    String result =
        engine.update(
            txn -> {
              txn.put(b("k"), b("v"));
              return "done";
            });
    assertEquals("done", result);
    assertArrayEquals(b("v"), engine.get(b("k")));
  }

  @Test
  void update_workThrows_rollsBackAndRethrows() {
    engine.put(b("k"), b("before"));
    IllegalStateException boom = new IllegalStateException("boom");
    IllegalStateException thrown =
        assertThrows(
            IllegalStateException.class,
            () ->
                engine.update(
                    txn -> {
                      txn.put(b("k"), b("after"));
                      txn.put(b("other"), b("x"));
                      throw boom;
                    }));
    assertSame(boom, thrown);
    assertArrayEquals(b("before"), engine.get(b("k")));
    assertNull(engine.get(b("other")));
    engine.put(b("next"), b("writer released"));
  }

  @Test
  void view_returnsResultAndClosesTxn() {
    engine.put(b("k"), b("v"));
    ReadTxn[] leaked = new ReadTxn[1];
    byte[] got =
        engine.view(
            txn -> {
              leaked[0] = txn;
              return txn.get(b("k"));
            });
    assertArrayEquals(b("v"), got);
    assertThrows(TransactionClosedException.class, () -> leaked[0].get(b("k")));
  }

  // ---- concurrency ----

  @Test
  protected void transfers_concurrentReaders_alwaysSeeInvariantTotal() throws Exception {
    int accounts = 100;
    long initial = 1_000;
    engine.update(
        txn -> {
          for (int i = 0; i < accounts; i++) {
            txn.put(account(i), ByteBuffer.allocate(8).putLong(initial).array());
          }
          return null;
        });
    long total = accounts * initial;
    long seed = seed();
    AtomicBoolean stop = new AtomicBoolean();
    ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
    AtomicLong snapshotsChecked = new AtomicLong();
    AtomicLong transfers = new AtomicLong();
    List<Thread> threads = new ArrayList<>();
    threads.add(
        new Thread(
            () -> {
              SplittableRandom random = new SplittableRandom(seed);
              try {
                while (!stop.get()) {
                  engine.update(
                      txn -> {
                        int from = random.nextInt(accounts);
                        int to = random.nextInt(accounts);
                        long amount = random.nextInt(50);
                        long a = ByteBuffer.wrap(txn.get(account(from))).getLong();
                        txn.put(account(from), ByteBuffer.allocate(8).putLong(a - amount).array());
                        long c = ByteBuffer.wrap(txn.get(account(to))).getLong();
                        txn.put(account(to), ByteBuffer.allocate(8).putLong(c + amount).array());
                        return null;
                      });
                  transfers.incrementAndGet();
                }
              } catch (Throwable t) {
                errors.add(t);
              }
            },
            "writer"));
    for (int r = 0; r < 4; r++) {
      boolean reverse = r % 2 == 1;
      boolean byGet = r == 2;
      threads.add(
          new Thread(
              () -> {
                try {
                  while (!stop.get()) {
                    try (ReadTxn txn = engine.beginRead()) {
                      long sum = 0;
                      int count = 0;
                      if (byGet) {
                        for (int i = 0; i < accounts; i++) {
                          sum += ByteBuffer.wrap(txn.get(account(i))).getLong();
                          count++;
                        }
                      } else {
                        KeyRange range = KeyRange.prefix(b("acct-"));
                        try (Cursor c = txn.cursor(reverse ? range.reversed() : range)) {
                          while (c.next()) {
                            sum += ByteBuffer.wrap(c.value()).getLong();
                            count++;
                          }
                        }
                      }
                      if (sum != total || count != accounts) {
                        throw new AssertionError(
                            "snapshot saw total "
                                + sum
                                + " over "
                                + count
                                + " accounts, expected "
                                + total
                                + " over "
                                + accounts
                                + " (seed "
                                + seed
                                + ")");
                      }
                      snapshotsChecked.incrementAndGet();
                    }
                  }
                } catch (Throwable t) {
                  errors.add(t);
                }
              },
              "reader-" + r));
    }
    threads.forEach(Thread::start);
    Thread.sleep(2_000);
    stop.set(true);
    for (Thread t : threads) {
      t.join(60_000);
    }
    if (!errors.isEmpty()) {
      AssertionError failure = new AssertionError("concurrent transfers failed, seed " + seed);
      errors.forEach(failure::addSuppressed);
      throw failure;
    }
    assertTrue(snapshotsChecked.get() > 0, "readers checked no snapshot");
    assertTrue(transfers.get() > 0, "writer made no transfer");
  }

  private static byte[] account(int i) {
    return b(String.format("acct-%04d", i));
  }
}
