package dev.strata.metrics;

import static dev.strata.metrics.StrataMetrics.LOGICAL_BYTES;
import static dev.strata.metrics.StrataMetrics.TAG_ENGINE;
import static dev.strata.metrics.StrataMetrics.TAG_OUTCOME;
import static dev.strata.metrics.StrataMetrics.TAG_STORE;
import static dev.strata.metrics.StrataMetrics.TAG_TXN;
import static dev.strata.metrics.StrataMetrics.TXN_BEGUN;
import static dev.strata.metrics.StrataMetrics.TXN_COMMIT;
import static dev.strata.metrics.StrataMetrics.TXN_ROLLBACKS;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.strata.api.EngineOptions;
import dev.strata.api.StorageEngine;
import dev.strata.api.StorageEngines;
import dev.strata.api.StorageException;
import dev.strata.api.TransactionClosedException;
import dev.strata.api.WriteTxn;
import dev.strata.tck.reliability.FaultyFileIO;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Commits that throw are counted as failures, with their latency, and add no logical bytes. */
class FailedCommitTest {
  @TempDir Path dir;

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @ParameterizedTest(name = "{0} registry")
  @EnumSource(Readout.Kind.class)
  void btreeCommit_whoseSyncFails_isCountedAsFailure(Readout.Kind kind) {
    FaultyFileIO io = new FaultyFileIO();
    EngineOptions options = EngineOptions.builder().fileIO(io).build();
    Path store = dir.resolve("btree");
    Readout readout = kind.create();
    String[] tags = {TAG_ENGINE, "btree", TAG_STORE, "faulty"};
    try (InstrumentedStorageEngine db =
        StrataMetrics.instrument(StorageEngines.open("btree", store, options), "faulty")) {
      db.bindTo(readout.registry);
      db.put(bytes("kept"), bytes("1"));
      double logical = readout.counter(LOGICAL_BYTES, tags);

      io.arm(FaultyFileIO.Fault.FAIL_SYNC, io.callCount());
      WriteTxn w = db.beginWrite();
      w.put(bytes("lost"), bytes("2"));
      assertThrows(StorageException.class, w::commit);
      w.close();
      assertEquals(FaultyFileIO.Op.FORCE, io.firedOn());

      assertEquals(1, readout.timerCount(TXN_COMMIT, with(tags, TAG_OUTCOME, "failure")), 0.0);
      assertEquals(1, readout.timerCount(TXN_COMMIT, with(tags, TAG_OUTCOME, "success")), 0.0);
      assertEquals(0, readout.counter(TXN_ROLLBACKS, tags), 0.0);
      assertEquals(2, readout.counter(TXN_BEGUN, with(tags, TAG_TXN, "write")), 0.0);
      assertEquals(logical, readout.counter(LOGICAL_BYTES, tags), 0.0);
    }
    try (StorageEngine reopened = StorageEngines.open("btree", store)) {
      reopened.verifyIntegrity();
      assertArrayEquals(bytes("1"), reopened.get(bytes("kept")));
      assertNull(reopened.get(bytes("lost")));
    }
  }

  @ParameterizedTest(name = "{0} engine")
  @ValueSource(strings = {"memory", "btree"})
  void commitOfTxnRolledBackByClose_isCountedAsFailure(String engine) {
    Readout readout = Readout.Kind.PROMETHEUS.create();
    String[] tags = {TAG_ENGINE, engine, TAG_STORE, "closing"};
    InstrumentedStorageEngine db =
        StrataMetrics.instrument(StorageEngines.open(engine, dir.resolve(engine)), "closing");
    db.bindTo(readout.registry);
    WriteTxn w = db.beginWrite();
    w.put(bytes("k"), bytes("v"));
    // Closing the engine rolls back its open write transaction, so the commit cannot succeed.
    db.close();
    assertThrows(TransactionClosedException.class, w::commit);
    w.close();

    assertEquals(1, readout.timerCount(TXN_COMMIT, with(tags, TAG_OUTCOME, "failure")), 0.0);
    assertEquals(0, readout.timerCount(TXN_COMMIT, with(tags, TAG_OUTCOME, "success")), 0.0);
    assertEquals(0, readout.counter(TXN_ROLLBACKS, tags), 0.0);
    assertEquals(0, readout.counter(LOGICAL_BYTES, tags), 0.0);
  }

  static String[] with(String[] tags, String... more) {
    String[] all = new String[tags.length + more.length];
    System.arraycopy(tags, 0, all, 0, tags.length);
    System.arraycopy(more, 0, all, tags.length, more.length);
    return all;
  }
}
