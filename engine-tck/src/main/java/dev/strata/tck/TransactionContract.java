package dev.strata.tck;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertThrowsExactly;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.Capability;
import dev.strata.api.Cursor;
import dev.strata.api.Durability;
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
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
public abstract class TransactionContract extends DataContract {

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

  // ---- closing ----

  @Test
  void close_isIdempotentAndFailsNewTxns() {
    engine.put(b("k"), b("v"));
    engine.close();
    engine.close();
    assertThrowsExactly(EngineClosedException.class, engine::beginRead);
    assertThrowsExactly(EngineClosedException.class, engine::beginWrite);
    assertThrowsExactly(EngineClosedException.class, () -> engine.get(b("k")));
    assertThrowsExactly(EngineClosedException.class, () -> engine.put(b("k"), b("v")));
  }

  @Test
  void close_rollsBackOpenWriteTxn() {
    engine.put(b("kept"), b("1"));
    WriteTxn txn = engine.beginWrite();
    txn.put(b("lost"), b("2"));
    engine.close();
    assertThrows(TransactionClosedException.class, txn::commit);
    txn.close();
    StorageEngine again = reopen();
    assertNull(again.get(b("lost")));
    if (has(Capability.PERSISTENT)) {
      assertArrayEquals(b("1"), again.get(b("kept")));
    }
  }

  @Test
  void close_endsOpenReadTxns() {
    engine.put(b("k"), b("v"));
    ReadTxn txn = engine.beginRead();
    Cursor c = txn.cursor(KeyRange.all());
    engine.close();
    assertThrows(TransactionClosedException.class, () -> txn.get(b("k")));
    assertThrows(TransactionClosedException.class, c::next);
    txn.close();
  }

  @Test
  void close_releasesWriterWaitingInBeginWrite() throws Exception {
    WriteTxn holder = engine.beginWrite();
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      Future<?> waiter = pool.submit(() -> engine.beginWrite());
      Thread.sleep(200);
      engine.close();
      Throwable cause =
          assertThrows(
                  java.util.concurrent.ExecutionException.class,
                  () -> waiter.get(30, TimeUnit.SECONDS))
              .getCause();
      assertTrue(cause instanceof EngineClosedException, "waiter got " + cause);
    } finally {
      pool.shutdownNow();
      holder.close();
    }
  }

  @Test
  void close_whileReadersIterate_readersFailCleanly() throws Exception {
    TreeMap<byte[], byte[]> model = model();
    for (int i = 0; i < 2_000; i++) {
      model.put(b(String.format("k%05d", i)), b("value-" + i));
    }
    putAll(engine, model);
    ConcurrentLinkedQueue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
    CountDownLatch reading = new CountDownLatch(3);
    List<Thread> readers = new ArrayList<>();
    for (int r = 0; r < 3; r++) {
      Thread t =
          new Thread(
              () -> {
                boolean counted = false;
                try {
                  while (true) {
                    try (ReadTxn txn = engine.beginRead();
                        Cursor c = txn.cursor(KeyRange.all())) {
                      while (c.next()) {
                        assertNotNull(c.value());
                        if (!counted) {
                          reading.countDown();
                          counted = true;
                        }
                      }
                    }
                  }
                } catch (EngineClosedException | TransactionClosedException expected) {
                  // The contract's outcome for a reader racing close().
                } catch (Throwable t2) {
                  unexpected.add(t2);
                } finally {
                  if (!counted) {
                    reading.countDown();
                  }
                }
              });
      readers.add(t);
      t.start();
    }
    assertTrue(reading.await(30, TimeUnit.SECONDS));
    engine.close();
    for (Thread t : readers) {
      t.join(30_000);
      assertFalse(t.isAlive(), "reader still running after close");
    }
    if (!unexpected.isEmpty()) {
      AssertionError failure = new AssertionError("readers failed uncleanly during close");
      unexpected.forEach(failure::addSuppressed);
      throw failure;
    }
  }

  // ---- durability and locking ----

  @Test
  void reopen_keepsCommittedAndDropsRolledBack_perCapability() {
    TreeMap<byte[], byte[]> model = model();
    for (int i = 0; i < 300; i++) {
      model.put(b("k" + i), b("v" + i));
    }
    putAll(engine, model);
    engine.delete(b("k7"));
    model.remove(b("k7"));
    try (WriteTxn txn = engine.beginWrite()) {
      txn.put(b("rolled-back"), b("x"));
      txn.delete(b("k8"));
      txn.rollback();
    }
    StorageEngine again = reopen();
    if (has(Capability.PERSISTENT)) {
      assertContent(model, again);
    } else {
      assertEquals(
          List.of(),
          scan(again, KeyRange.all()),
          "an engine without PERSISTENT starts empty on reopen");
    }
  }

  @Test
  void reopen_underNoSync_cleanCloseKeepsEveryCommit() {
    engine.close();
    EngineOptions noSync = EngineOptions.builder().durability(Durability.NO_SYNC).build();
    StorageEngine e = openTracked(storeDir(), noSync);
    TreeMap<byte[], byte[]> model = model();
    for (int i = 0; i < 50; i++) {
      byte[] k = b("n" + i);
      e.put(k, b("v" + i));
      model.put(k, b("v" + i));
    }
    e.close();
    engine = openTracked(storeDir(), noSync);
    if (has(Capability.PERSISTENT)) {
      assertContent(model, engine);
    } else {
      assertEquals(List.of(), scan(engine, KeyRange.all()));
    }
  }

  @Test
  void open_sameDirectoryTwice_perCapability() {
    engine.put(b("k"), b("v"));
    if (has(Capability.PERSISTENT)) {
      assertThrowsExactly(StoreLockedException.class, () -> openTracked(storeDir(), options()));
      assertArrayEquals(b("v"), engine.get(b("k")));
      engine.put(b("k2"), b("still writable"));
    } else {
      StorageEngine second = openTracked(storeDir(), options());
      assertNull(second.get(b("k")), "without PERSISTENT, two engines share nothing");
    }
  }

  @Test
  void open_readOnly_refusesWritesAndServesReads() {
    engine.put(b("k"), b("v"));
    engine.close();
    // Without PERSISTENT there is nothing on disk to open, so only persistent stores insist on it.
    StorageEngine ro =
        openTracked(
            storeDir(),
            EngineOptions.builder()
                .readOnly(true)
                .createIfMissing(!has(Capability.PERSISTENT))
                .build());
    try {
      assertThrowsExactly(UnsupportedOperationException.class, ro::beginWrite);
      if (has(Capability.PERSISTENT)) {
        assertArrayEquals(b("v"), ro.get(b("k")));
      }
    } finally {
      ro.close();
    }
  }

  @Test
  void open_missingStoreWithoutCreate_throwsAndCreatesNothing() {
    Path missing = tempDir.resolve("never-created");
    assertThrows(
        StorageException.class,
        () -> openTracked(missing, EngineOptions.builder().createIfMissing(false).build()));
    assertFalse(Files.exists(missing) && hasFiles(missing), "a store was created at " + missing);
  }

  private static boolean hasFiles(Path dir) {
    try (var s = Files.list(dir)) {
      return s.findAny().isPresent();
    } catch (java.io.IOException e) {
      return false;
    }
  }

  // ---- backup ----

  @Test
  void backup_perCapability_opensWithSameContent() {
    TreeMap<byte[], byte[]> model = model();
    SplittableRandom random = new SplittableRandom(9);
    for (int i = 0; i < 500; i++) {
      model.put(
          randomBytes(random, 1 + random.nextInt(16)), randomBytes(random, random.nextInt(300)));
    }
    putAll(engine, model);
    Path target = tempDir.resolve("backup");
    if (!has(Capability.BACKUP)) {
      assertThrowsExactly(UnsupportedOperationException.class, () -> engine.backup(target));
      return;
    }
    engine.backup(target);
    engine.put(b("after-backup"), b("x"));
    StorageEngine copy = openTracked(target, EngineOptions.defaults());
    copy.verifyIntegrity();
    assertContent(model, copy);
  }

  @Test
  void backup_whileWriteTxnOpen_containsOnlyCommitted() {
    engine.put(b("committed"), b("1"));
    Path target = tempDir.resolve("backup");
    try (WriteTxn txn = engine.beginWrite()) {
      txn.put(b("uncommitted"), b("2"));
      if (!has(Capability.BACKUP)) {
        assertThrowsExactly(UnsupportedOperationException.class, () -> engine.backup(target));
        return;
      }
      engine.backup(target);
      txn.commit();
    }
    StorageEngine copy = openTracked(target, EngineOptions.defaults());
    assertEquals(List.of(render(b("committed"), b("1"))), scan(copy, KeyRange.all()));
  }

  @Test
  void backup_intoNonEmptyDirectory_throwsAndLeavesItAlone() throws Exception {
    engine.put(b("k"), b("v"));
    Path target = Files.createDirectories(tempDir.resolve("occupied"));
    Path precious = Files.writeString(target.resolve("precious.txt"), "keep me");
    Class<? extends Throwable> expected =
        has(Capability.BACKUP)
            ? IllegalArgumentException.class
            : UnsupportedOperationException.class;
    assertThrowsExactly(expected, () -> engine.backup(target));
    assertEquals("keep me", Files.readString(precious));
  }

  // ---- introspection ----

  @Test
  void stats_isUnmodifiableAndNonEmpty() {
    engine.put(b("k"), b("v"));
    Map<String, Number> stats = engine.stats();
    assertFalse(stats.isEmpty());
    assertThrows(UnsupportedOperationException.class, () -> stats.put("x", 1));
  }

  @Test
  void name_isRegisteredWithStorageEngines() {
    assertTrue(
        StorageEngines.available().contains(engine.name()),
        engine.name() + " not in " + StorageEngines.available());
  }

  @Test
  void capabilities_areUnmodifiable() {
    assertThrows(
        UnsupportedOperationException.class, () -> engine.capabilities().add(Capability.BACKUP));
  }

  @Test
  void verifyIntegrity_onFreshAndFilledStore_passes() {
    engine.verifyIntegrity();
    SplittableRandom random = new SplittableRandom(1);
    for (int t = 0; t < 20; t++) {
      engine.update(
          txn -> {
            for (int i = 0; i < 100; i++) {
              byte[] k = randomBytes(random, 1 + random.nextInt(8));
              if (random.nextInt(4) == 0) {
                txn.delete(k);
              } else {
                txn.put(k, randomBytes(random, random.nextInt(2_000)));
              }
            }
            return null;
          });
    }
    engine.verifyIntegrity();
  }
}
