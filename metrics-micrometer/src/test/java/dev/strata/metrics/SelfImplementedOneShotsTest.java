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

import dev.strata.api.Capability;
import dev.strata.api.EngineClosedException;
import dev.strata.api.ReadTxn;
import dev.strata.api.StorageEngine;
import dev.strata.api.StorageEngines;
import dev.strata.api.StorageIOException;
import dev.strata.api.WriteAmplificationMeter;
import dev.strata.api.WriteTxn;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An engine that implements the one-shot calls itself (as {@code lsm} does for get, put and delete)
 * runs its own implementation through the decorator, and is counted around it.
 */
class SelfImplementedOneShotsTest {
  @TempDir Path dir;

  private OneShotEngine inner;
  private InstrumentedStorageEngine db;
  private Readout readout;
  private final String[] tags = {TAG_ENGINE, "memory", TAG_STORE, "own"};

  /**
   * Forwards to a memory engine, with its own one-shot calls that count themselves and can fail
   * their commit the way a failing disk does.
   */
  static final class OneShotEngine implements StorageEngine {
    final StorageEngine memory;
    int ownCalls;
    boolean failCommits;

    OneShotEngine(StorageEngine memory) {
      this.memory = memory;
    }

    @Override
    public String name() {
      return memory.name();
    }

    @Override
    public Set<Capability> capabilities() {
      return memory.capabilities();
    }

    @Override
    public ReadTxn beginRead() {
      return memory.beginRead();
    }

    @Override
    public WriteTxn beginWrite() {
      return memory.beginWrite();
    }

    @Override
    public byte[] get(byte[] key) {
      ownCalls++;
      return memory.get(key);
    }

    @Override
    public void put(byte[] key, byte[] value) {
      ownCalls++;
      update(
          w -> {
            w.put(key, value);
            return null;
          });
    }

    @Override
    public void delete(byte[] key) {
      ownCalls++;
      update(
          w -> {
            w.delete(key);
            return null;
          });
    }

    @Override
    public <R> R view(Function<? super ReadTxn, R> work) {
      ownCalls++;
      return memory.view(work);
    }

    @Override
    public <R> R update(Function<? super WriteTxn, R> work) {
      ownCalls++;
      try (WriteTxn w = memory.beginWrite()) {
        R result = work.apply(w);
        if (failCommits) {
          throw new StorageIOException("injected commit failure", null);
        }
        w.commit();
        return result;
      }
    }

    @Override
    public long approximateKeyCount() {
      return memory.approximateKeyCount();
    }

    @Override
    public WriteAmplificationMeter meter() {
      return memory.meter();
    }

    @Override
    public Map<String, Number> stats() {
      return memory.stats();
    }

    @Override
    public void verifyIntegrity() {
      memory.verifyIntegrity();
    }

    @Override
    public void backup(Path target) {
      memory.backup(target);
    }

    @Override
    public void close() {
      memory.close();
    }
  }

  @BeforeEach
  void open() {
    inner = new OneShotEngine(StorageEngines.open("memory", dir));
    db = StrataMetrics.instrument(inner, "own");
    readout = Readout.Kind.SIMPLE.create();
    db.bindTo(readout.registry);
  }

  @AfterEach
  void close() {
    db.verifyIntegrity();
    db.close();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private double count(String name, String... more) {
    return readout.counter(name, FailedCommitTest.with(tags, more));
  }

  private double commits(String outcome) {
    return readout.timerCount(TXN_COMMIT, FailedCommitTest.with(tags, TAG_OUTCOME, outcome));
  }

  @Test
  void oneShotCalls_runTheEnginesOwnImplementation_andAreCounted() {
    db.put(bytes("k"), bytes("v"));
    db.delete(bytes("gone"));
    assertEquals(1, (int) db.update(w -> w.get(bytes("k")).length));
    assertArrayEquals(bytes("v"), db.get(bytes("k")));
    assertEquals(1, (int) db.view(r -> r.get(bytes("k")).length));

    // put and delete each run the engine's own update too.
    assertEquals(7, inner.ownCalls);
    assertEquals(3, count(TXN_BEGUN, TAG_TXN, "write"), 0.0);
    assertEquals(2, count(TXN_BEGUN, TAG_TXN, "read"), 0.0);
    assertEquals(3, commits("success"), 0.0);
    assertEquals(2 + 4, count(LOGICAL_BYTES), 0.0);
  }

  @Test
  void failingOwnCommits_areCountedAsFailures() {
    inner.failCommits = true;
    assertThrows(StorageIOException.class, () -> db.put(bytes("k"), bytes("v")));
    assertThrows(StorageIOException.class, () -> db.update(w -> 1));
    inner.failCommits = false;

    assertEquals(2, commits("failure"), 0.0);
    assertEquals(0, commits("success"), 0.0);
    assertEquals(2, count(TXN_BEGUN, TAG_TXN, "write"), 0.0);
    assertEquals(0, count(TXN_ROLLBACKS), 0.0);
    assertNull(db.get(bytes("k")));
  }

  @Test
  void ownUpdate_whoseWorkThrows_isCountedAsRollback() {
    assertThrows(
        ArithmeticException.class,
        () ->
            db.update(
                w -> {
                  w.put(bytes("k"), bytes("v"));
                  return 1 / 0;
                }));
    assertEquals(1, count(TXN_ROLLBACKS), 0.0);
    assertEquals(0, commits("failure"), 0.0);
    assertNull(db.get(bytes("k")));
  }

  @Test
  void rejectedOneShotCalls_countNothing() {
    assertThrows(NullPointerException.class, () -> db.put(null, bytes("v")));
    assertThrows(IllegalArgumentException.class, () -> db.put(new byte[0], bytes("v")));
    assertThrows(NullPointerException.class, () -> db.get(null));
    assertThrows(NullPointerException.class, () -> db.update(null));
    assertEquals(0, count(TXN_BEGUN, TAG_TXN, "write"), 0.0);
    assertEquals(0, count(TXN_BEGUN, TAG_TXN, "read"), 0.0);
    assertEquals(0, commits("failure"), 0.0);
  }

  @Test
  void oneShotCallsOnAClosedEngine_countNothing() {
    inner.memory.close();
    assertThrows(EngineClosedException.class, () -> db.put(bytes("k"), bytes("v")));
    assertThrows(EngineClosedException.class, () -> db.get(bytes("k")));
    assertEquals(0, count(TXN_BEGUN, TAG_TXN, "write"), 0.0);
    assertEquals(0, count(TXN_BEGUN, TAG_TXN, "read"), 0.0);
    assertEquals(0, commits("failure"), 0.0);
    db = StrataMetrics.instrument(StorageEngines.open("memory", dir.resolve("next")), "next");
  }
}
