package dev.strata.tck;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertThrowsExactly;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.Capability;
import dev.strata.api.CopyCompaction;
import dev.strata.api.Cursor;
import dev.strata.api.Durability;
import dev.strata.api.EngineClosedException;
import dev.strata.api.EngineOptions;
import dev.strata.api.InPlaceCompaction;
import dev.strata.api.KeyRange;
import dev.strata.api.ReadTxn;
import dev.strata.api.ReplicaGroup;
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
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The life-cycle part of the conformance suite: closing with transactions and readers in flight,
 * durability across reopen and locking, backup, and introspection ({@code stats()}, capabilities,
 * {@code verifyIntegrity()}). Engines run it through {@link StorageEngineContract}.
 */
public abstract class LifecycleContract extends TransactionContract {
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

  // ---- compaction (optional interfaces) ----

  /** A model written with overwrites and deletes, so that compaction has space to reclaim. */
  private TreeMap<byte[], byte[]> churnedModel() {
    TreeMap<byte[], byte[]> model = model();
    SplittableRandom random = new SplittableRandom(17);
    for (int round = 0; round < 4; round++) {
      TreeMap<byte[], byte[]> model0 = model;
      engine.update(
          txn -> {
            for (int i = 0; i < 400; i++) {
              byte[] k = b("c" + random.nextInt(300));
              if (random.nextInt(3) == 0) {
                txn.delete(k);
                model0.remove(k);
              } else {
                byte[] v = randomBytes(random, random.nextInt(1_000));
                txn.put(k, v);
                model0.put(k, v);
              }
            }
            return null;
          });
    }
    return model;
  }

  @Test
  void compactInPlace_whenImplemented_keepsContentAndIntegrity() {
    if (!(engine instanceof InPlaceCompaction compaction)) {
      return;
    }
    TreeMap<byte[], byte[]> model = churnedModel();
    compaction.compactInPlace();
    engine.verifyIntegrity();
    assertContent(model, engine);
    engine.put(b("after-compaction"), b("x"));
    model.put(b("after-compaction"), b("x"));
    assertContent(model, has(Capability.PERSISTENT) ? reopen() : engine);
  }

  @Test
  void replicaGroup_whenImplemented_listsMembersAndRefusesChangesThatCannotApply() {
    if (!(engine instanceof ReplicaGroup group)) {
      return;
    }
    Map<String, String> members = group.members();
    assertFalse(members.isEmpty(), "a replica belongs to its group");
    assertEquals(
        new ArrayList<>(new TreeMap<>(members).keySet()), new ArrayList<>(members.keySet()));
    String member = members.keySet().iterator().next();
    Map<String, String> copy = Map.copyOf(members);
    members.clear();
    assertEquals(copy, group.members(), "the caller owns the returned map");
    assertThrows(IllegalArgumentException.class, () -> group.addReplica(member, "127.0.0.1:1"));
    assertThrows(
        IllegalArgumentException.class, () -> group.removeReplica("not-a-member-of-this-group"));
    assertThrows(NullPointerException.class, () -> group.removeReplica(null));
    assertEquals(copy, group.members(), "a refused change changes nothing");
    engine.put(b("after-refused-changes"), b("x"));
    assertArrayEquals(b("x"), engine.get(b("after-refused-changes")));
    engine.close();
    assertThrows(EngineClosedException.class, group::members);
    assertThrows(EngineClosedException.class, () -> group.removeReplica(member));
  }

  @Test
  void compactInto_whenImplemented_opensWithSameContentAndLeavesTheSource() throws Exception {
    if (!(engine instanceof CopyCompaction compaction)) {
      return;
    }
    TreeMap<byte[], byte[]> model = churnedModel();
    Path target = tempDir.resolve("compacted");
    compaction.compactInto(target);
    engine.put(b("after-compaction"), b("x"));
    StorageEngine copy = openTracked(target, EngineOptions.defaults());
    copy.verifyIntegrity();
    assertContent(model, copy);
    model.put(b("after-compaction"), b("x"));
    assertContent(model, engine);
    Path occupied = Files.createDirectories(tempDir.resolve("occupied"));
    Files.writeString(occupied.resolve("precious.txt"), "keep me");
    assertThrowsExactly(IllegalArgumentException.class, () -> compaction.compactInto(occupied));
    assertEquals("keep me", Files.readString(occupied.resolve("precious.txt")));
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
