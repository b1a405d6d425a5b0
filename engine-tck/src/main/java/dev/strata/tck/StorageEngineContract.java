package dev.strata.tck;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertThrowsExactly;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.Capability;
import dev.strata.api.CorruptionException;
import dev.strata.api.EngineClosedException;
import dev.strata.api.EngineOptions;
import dev.strata.api.KeyRange;
import dev.strata.api.Limits;
import dev.strata.api.ReadTxn;
import dev.strata.api.StorageEngine;
import dev.strata.api.StorageEngines;
import dev.strata.api.StorageException;
import dev.strata.api.StoreLockedException;
import dev.strata.api.TamperException;
import dev.strata.api.TransactionClosedException;
import dev.strata.api.WriteAmplificationMeter;
import dev.strata.api.WriteTxn;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.function.Executable;

/**
 * The conformance suite every Strata engine passes unchanged. An engine module runs it with a
 * one-line subclass:
 *
 * <pre>{@code
 * class BTreeConformanceTest extends StorageEngineContract {
 *   @Override protected StorageEngine open(Path dir, EngineOptions options) {
 *     return StorageEngines.open("btree", dir, options);
 *   }
 * }
 * }</pre>
 *
 * <p>The suite is split by topic over a small class chain ({@link DataContract}: operations,
 * limits, ranges, cursors; {@link AdapterSupportContract}: range deletion, the key-count estimate,
 * cursors of a writing transaction; {@link TransactionContract}: interrupts, isolation, own writes,
 * concurrency; {@link LifecycleContract}: close, durability across reopen, locking, backup,
 * introspection; this class: the bad-input table, the meter and the model-based randomized test).
 * Optional behaviour follows the engine's {@link Capability capabilities}: for each one the suite
 * tests the capability when declared and the documented fallback when not, so nothing is skipped
 * silently. After every test that wrote, {@link StorageEngine#verifyIntegrity()} runs, and
 * persistent stores are reopened and verified again.
 *
 * <p>Randomized tests print their seed on failure; rerun one with {@code -Dstrata.test.seed=N}.
 */
public abstract class StorageEngineContract extends LifecycleContract {

  // ---- bad input: each case asserts the exact exception and that the content is unchanged ----

  private TreeMap<byte[], byte[]> badInputFixture;

  private interface Case {
    void run(StorageEngine e);
  }

  private DynamicTest rejects(String name, Class<? extends Throwable> type, Case action) {
    return DynamicTest.dynamicTest(
        name + " -> " + type.getSimpleName(),
        () -> {
          Throwable thrown = assertThrowsExactly(type, () -> action.run(engine), name);
          if (thrown instanceof NullPointerException) {
            assertTrue(
                thrown.getMessage() != null && !thrown.getMessage().isBlank(),
                name + ": a NullPointerException must name the parameter");
          }
          if (!isClosedEngine()) {
            assertContent(badInputFixture, engine);
          }
        });
  }

  private boolean isClosedEngine() {
    try {
      engine.stats();
      return false;
    } catch (EngineClosedException e) {
      return true;
    }
  }

  private DynamicTest afterClose(
      String name, Class<? extends Throwable> type, Consumer<StorageEngine> action) {
    return DynamicTest.dynamicTest(
        "after engine close: " + name + " -> " + type.getSimpleName(),
        () -> {
          Path dir = tempDir.resolve("closed-" + Integer.toHexString(name.hashCode()));
          StorageEngine e = openTracked(dir, options());
          e.put(b("k"), b("v"));
          e.close();
          assertThrowsExactly(type, () -> action.accept(e), name);
          if (e.capabilities().contains(Capability.PERSISTENT)) {
            try (StorageEngine again = open(dir, options())) {
              assertArrayEquals(b("v"), again.get(b("k")), name + " changed the store");
            }
          }
        });
  }

  private DynamicTest txnRejects(
      String name,
      Class<? extends Throwable> type,
      Consumer<WriteTxn> prepare,
      Consumer<WriteTxn> action) {
    return DynamicTest.dynamicTest(
        "write txn: " + name + " -> " + type.getSimpleName(),
        () -> {
          WriteTxn txn = engine.beginWrite();
          try {
            prepare.accept(txn);
            Executable call = () -> action.accept(txn);
            assertThrowsExactly(type, call, name);
          } finally {
            txn.close();
          }
          assertContent(badInputFixture, engine);
        });
  }

  @TestFactory
  List<DynamicTest> badInput_isRejectedWithExactTypeAndStoreUnchanged() {
    badInputFixture = model();
    badInputFixture.put(b("alpha"), b("1"));
    badInputFixture.put(b("beta"), b("2"));
    putAll(engine, badInputFixture);
    byte[] big = new byte[Limits.MAX_KEY_SIZE + 1];
    List<DynamicTest> cases = new ArrayList<>();
    Class<NullPointerException> npe = NullPointerException.class;
    Class<IllegalArgumentException> iae = IllegalArgumentException.class;
    Class<TransactionClosedException> closed = TransactionClosedException.class;
    Class<EngineClosedException> engineClosed = EngineClosedException.class;
    cases.add(rejects("get(null)", npe, e -> e.get(null)));
    cases.add(rejects("put(null, v)", npe, e -> e.put(null, b("v"))));
    cases.add(rejects("put(k, null)", npe, e -> e.put(b("alpha"), null)));
    cases.add(rejects("delete(null)", npe, e -> e.delete(null)));
    cases.add(rejects("view(null)", npe, e -> e.view(null)));
    cases.add(rejects("update(null)", npe, e -> e.update(null)));
    cases.add(rejects("backup(null)", npe, e -> e.backup(null)));
    cases.add(rejects("txn.get(null)", npe, e -> e.view(t -> t.get(null))));
    cases.add(rejects("txn.cursor(null)", npe, e -> e.view(t -> t.cursor(null))));
    cases.add(rejects("get(empty key)", iae, e -> e.get(new byte[0])));
    cases.add(rejects("put(empty key)", iae, e -> e.put(new byte[0], b("v"))));
    cases.add(rejects("delete(empty key)", iae, e -> e.delete(new byte[0])));
    cases.add(rejects("get(oversized key)", iae, e -> e.get(big)));
    cases.add(rejects("put(oversized key)", iae, e -> e.put(big, b("v"))));
    cases.add(rejects("delete(oversized key)", iae, e -> e.delete(big)));
    cases.add(
        rejects(
            "update(put oversized key) rolls back",
            iae,
            e ->
                e.update(
                    t -> {
                      t.put(b("alpha"), b("changed"));
                      t.put(big, b("v"));
                      return null;
                    })));
    cases.add(
        rejects(
            "StorageEngines.open(null name)",
            npe,
            e -> StorageEngines.open(null, tempDir.resolve("x"))));
    cases.add(
        rejects("StorageEngines.open(null path)", npe, e -> StorageEngines.open(e.name(), null)));
    cases.add(
        rejects(
            "StorageEngines.open(null options)",
            npe,
            e -> StorageEngines.open(e.name(), tempDir.resolve("x"), null)));
    cases.add(
        rejects(
            "StorageEngines.open(unknown engine)",
            iae,
            e -> StorageEngines.open("no-such-engine", tempDir.resolve("x"))));
    cases.add(
        rejects(
            "unknown setting under the engine's prefix",
            iae,
            e ->
                openTracked(
                    tempDir.resolve("typo"),
                    EngineOptions.builder().set(e.name() + ".noSuchSetting", "1").build())));
    for (Map.Entry<String, String> bad : invalidSettings().entrySet()) {
      cases.add(
          rejects(
              "setting " + bad.getKey() + "=" + bad.getValue(),
              iae,
              e ->
                  openTracked(
                      tempDir.resolve("bad-" + Integer.toHexString(bad.hashCode())),
                      EngineOptions.builder().set(bad.getKey(), bad.getValue()).build())));
    }
    if (engine.capabilities().contains(Capability.PERSISTENT)) {
      cases.add(
          rejects(
              "open while already open",
              StoreLockedException.class,
              e -> openTracked(storeDir(), options())));
    }
    cases.add(txnRejects("put(null key)", npe, t -> {}, t -> t.put(null, b("v"))));
    cases.add(txnRejects("put(empty key)", iae, t -> {}, t -> t.put(new byte[0], b("v"))));
    cases.add(txnRejects("put(oversized key)", iae, t -> {}, t -> t.put(big, b("v"))));
    cases.add(txnRejects("delete(null)", npe, t -> {}, t -> t.delete(null)));
    cases.add(
        txnRejects("put after commit", closed, WriteTxn::commit, t -> t.put(b("gamma"), b("3"))));
    cases.add(
        txnRejects("delete after commit", closed, WriteTxn::commit, t -> t.delete(b("alpha"))));
    cases.add(txnRejects("commit twice", closed, WriteTxn::commit, WriteTxn::commit));
    cases.add(txnRejects("commit after rollback", closed, WriteTxn::rollback, WriteTxn::commit));
    cases.add(txnRejects("get after rollback", closed, WriteTxn::rollback, t -> t.get(b("alpha"))));
    cases.add(
        txnRejects("cursor after close", closed, WriteTxn::close, t -> t.cursor(KeyRange.all())));
    cases.add(
        txnRejects(
            "put after close",
            closed,
            t -> {
              t.put(b("alpha"), b("changed"));
              t.close();
            },
            t -> t.put(b("gamma"), b("3"))));
    cases.add(
        DynamicTest.dynamicTest(
            "read txn: get after close -> TransactionClosedException",
            () -> {
              ReadTxn txn = engine.beginRead();
              txn.close();
              assertThrowsExactly(closed, () -> txn.get(b("alpha")));
              assertThrowsExactly(closed, () -> txn.cursor(KeyRange.all()));
            }));
    cases.add(afterClose("beginRead", engineClosed, StorageEngine::beginRead));
    cases.add(afterClose("beginWrite", engineClosed, StorageEngine::beginWrite));
    cases.add(afterClose("get", engineClosed, e -> e.get(b("k"))));
    cases.add(afterClose("put", engineClosed, e -> e.put(b("k"), b("changed"))));
    cases.add(afterClose("delete", engineClosed, e -> e.delete(b("k"))));
    cases.add(afterClose("stats", engineClosed, StorageEngine::stats));
    cases.add(afterClose("verifyIntegrity", engineClosed, StorageEngine::verifyIntegrity));
    cases.add(afterClose("backup", engineClosed, e -> e.backup(tempDir.resolve("late-backup"))));
    return cases;
  }

  @Test
  void unknownEngineName_messageListsAvailableEngines() {
    IllegalArgumentException e =
        assertThrowsExactly(
            IllegalArgumentException.class,
            () -> StorageEngines.open("nope", tempDir.resolve("x")));
    assertTrue(e.getMessage().contains(engine.name()), e.getMessage());
  }

  // ---- meter ----

  @Test
  void meter_logicalBytes_exactForKnownWorkload() {
    WriteAmplificationMeter.Snapshot start = engine.meter().snapshot();
    engine.put(b("key1"), b("value1"));
    engine.put(b("key1"), b("v"));
    engine.delete(b("key1"));
    engine.delete(b("absent"));
    engine.update(
        txn -> {
          txn.put(b("a"), new byte[100]);
          txn.put(b("b"), new byte[0]);
          txn.delete(b("a"));
          return null;
        });
    long expected = (4 + 6) + (4 + 1) + 4 + 6 + (1 + 100) + 1 + 1;
    assertEquals(expected, engine.meter().snapshot().minus(start).logicalBytes());
    try (WriteTxn txn = engine.beginWrite()) {
      txn.put(b("rolled"), new byte[1_000]);
      txn.rollback();
    }
    try (WriteTxn txn = engine.beginWrite()) {
      txn.put(b("closed"), new byte[1_000]);
    }
    assertEquals(
        expected,
        engine.meter().snapshot().minus(start).logicalBytes(),
        "rolled-back transactions must add nothing");
  }

  @Test
  void meter_beforeAnyWrite_amplificationIsNaN() {
    assertEquals(0, engine.meter().logicalBytes());
    assertTrue(Double.isNaN(engine.meter().amplification()));
    assertTrue(Double.isNaN(engine.meter().snapshot().amplification()));
  }

  @Test
  void meter_snapshotMinus_isThePhaseDelta() {
    engine.put(b("warm"), b("up"));
    WriteAmplificationMeter.Snapshot before = engine.meter().snapshot();
    engine.put(b("phase"), new byte[1_000]);
    WriteAmplificationMeter.Snapshot phase = engine.meter().snapshot().minus(before);
    assertEquals(5 + 1_000, phase.logicalBytes());
    assertTrue(phase.physicalBytes() >= 0 && phase.syncs() >= 0);
    assertEquals(
        engine.meter().snapshot().logicalBytes() - before.logicalBytes(), phase.logicalBytes());
  }

  @Test
  protected void meter_physicalAndSyncs_perCapability() {
    engine.put(b("k"), new byte[4_096]);
    engine.put(b("k2"), new byte[4_096]);
    WriteAmplificationMeter m = engine.meter();
    if (has(Capability.PERSISTENT)) {
      assertTrue(
          m.physicalBytes() >= 2 * 4_096,
          "a persistent engine wrote " + m.physicalBytes() + " physical bytes for 8 KiB");
      assertTrue(m.syncs() >= 1, "SYNC commits counted no sync");
    } else {
      assertEquals(0, m.physicalBytes(), "an engine without files writes no physical bytes");
    }
  }

  // ---- model-based randomized test ----

  @Test
  protected void randomOperations_matchTreeMapModel() {
    long seed = seed();
    try {
      runModel(seed, Integer.getInteger("strata.test.modelOps", 4_000));
    } catch (AssertionError | RuntimeException e) {
      throw new AssertionError("model test failed; replay with -Dstrata.test.seed=" + seed, e);
    }
  }

  private void runModel(long seed, int operations) {
    SplittableRandom random = new SplittableRandom(seed);
    TreeMap<byte[], byte[]> committed = model();
    int done = 0;
    while (done < operations) {
      if (random.nextInt(40) == 0) {
        reopen();
        if (!has(Capability.PERSISTENT)) {
          committed.clear();
        }
        assertContent(committed, engine);
        continue;
      }
      TreeMap<byte[], byte[]> working = new TreeMap<>(committed);
      int ops = 1 + random.nextInt(30);
      try (WriteTxn txn = engine.beginWrite()) {
        for (int i = 0; i < ops; i++, done++) {
          byte[] key = randomKey(random);
          switch (random.nextInt(10)) {
            case 0, 1, 2, 3 -> {
              byte[] value = randomValue(random);
              txn.put(key, value);
              working.put(key, value);
            }
            case 4, 5 -> {
              txn.delete(key);
              working.remove(key);
            }
            case 6, 7 -> assertArrayEquals(working.get(key), txn.get(key), "get in write txn");
            default -> {
              KeyRange r = randomRange(random);
              assertEquals(expected(working, r), scan(txn, r), "range in write txn " + r);
            }
          }
        }
        int ending = random.nextInt(10);
        if (ending < 7) {
          txn.commit();
          committed = working;
        } else if (ending < 9) {
          txn.rollback();
        }
      }
      try (ReadTxn reader = engine.beginRead()) {
        byte[] key = randomKey(random);
        assertArrayEquals(committed.get(key), reader.get(key), "get after txn");
        KeyRange r = randomRange(random);
        assertEquals(expected(committed, r), scan(reader, r), "range after txn " + r);
      }
    }
    assertContent(committed, engine);
  }

  private static byte[] randomKey(SplittableRandom random) {
    int length = 1 + random.nextInt(3);
    byte[] key = new byte[length];
    for (int i = 0; i < length; i++) {
      key[i] = (byte) (random.nextBoolean() ? random.nextInt(4) : 0xFC + random.nextInt(4));
    }
    return key;
  }

  private static byte[] randomValue(SplittableRandom random) {
    int length = random.nextInt(50) == 0 ? 5_000 + random.nextInt(10_000) : random.nextInt(40);
    return randomBytes(random, length);
  }

  private static KeyRange randomRange(SplittableRandom random) {
    KeyRange r =
        switch (random.nextInt(5)) {
          case 0 -> KeyRange.all();
          case 1 -> KeyRange.prefix(randomKey(random));
          case 2 -> KeyRange.between(randomKey(random), randomKey(random));
          case 3 -> KeyRange.atLeast(randomKey(random));
          default -> KeyRange.below(randomKey(random));
        };
    return random.nextBoolean() ? r.reversed() : r;
  }

  /** Checks the exception hierarchy every engine relies on. */
  @Test
  void exceptionHierarchy_rootsAtStorageException() {
    assertTrue(StorageException.class.isAssignableFrom(EngineClosedException.class));
    assertTrue(StorageException.class.isAssignableFrom(TransactionClosedException.class));
    assertTrue(CorruptionException.class.isAssignableFrom(TamperException.class));
    assertTrue(RuntimeException.class.isAssignableFrom(StorageException.class));
    assertThrows(NullPointerException.class, () -> KeyRange.prefix(null));
  }
}
