package dev.strata.metrics;

import static dev.strata.metrics.StrataMetrics.LOGICAL_BYTES;
import static dev.strata.metrics.StrataMetrics.PHYSICAL_BYTES;
import static dev.strata.metrics.StrataMetrics.SYNCS;
import static dev.strata.metrics.StrataMetrics.TAG_ENGINE;
import static dev.strata.metrics.StrataMetrics.TAG_OUTCOME;
import static dev.strata.metrics.StrataMetrics.TAG_STORE;
import static dev.strata.metrics.StrataMetrics.TAG_TXN;
import static dev.strata.metrics.StrataMetrics.TXN_BEGUN;
import static dev.strata.metrics.StrataMetrics.TXN_COMMIT;
import static dev.strata.metrics.StrataMetrics.TXN_ROLLBACKS;
import static dev.strata.metrics.StrataMetrics.WRITE_AMPLIFICATION;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.Cursor;
import dev.strata.api.KeyRange;
import dev.strata.api.ReadTxn;
import dev.strata.api.StorageEngine;
import dev.strata.api.StorageEngines;
import dev.strata.api.WriteTxn;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The instrumented engine over the in-memory engine and the persistent {@code btree} engine (opened
 * by name only), read back through a simple registry and through Prometheus text.
 */
class InstrumentedEngineTest {
  private static final String STORE = "orders";

  @TempDir Path dir;

  private InstrumentedStorageEngine db;
  private Readout readout;
  private String[] tags;
  private boolean closedByTest;

  static Stream<Arguments> enginesAndRegistries() {
    return Stream.of("memory", "btree")
        .flatMap(e -> Stream.of(Readout.Kind.values()).map(k -> Arguments.of(e, k)));
  }

  private void open(String engine, Readout.Kind kind) {
    open(engine, kind, StrataMetrics.DEFAULT_STATS_INTERVAL);
  }

  private void open(String engine, Readout.Kind kind, Duration statsInterval) {
    StorageEngine raw = StorageEngines.open(engine, dir.resolve(engine));
    db = StrataMetrics.instrument(raw, STORE, statsInterval);
    readout = kind.create();
    db.bindTo(readout.registry);
    tags = new String[] {TAG_ENGINE, engine, TAG_STORE, STORE};
  }

  @AfterEach
  void checkAndClose() {
    if (db != null) {
      try {
        if (!closedByTest) {
          db.verifyIntegrity();
        }
      } finally {
        db.close();
      }
    }
  }

  private String[] with(String... more) {
    String[] all = new String[tags.length + more.length];
    System.arraycopy(tags, 0, all, 0, tags.length);
    System.arraycopy(more, 0, all, tags.length, more.length);
    return all;
  }

  private double writesBegun() {
    return readout.counter(TXN_BEGUN, with(TAG_TXN, "write"));
  }

  private double readsBegun() {
    return readout.counter(TXN_BEGUN, with(TAG_TXN, "read"));
  }

  private double commits(String outcome) {
    return readout.timerCount(TXN_COMMIT, with(TAG_OUTCOME, outcome));
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static long seed() {
    String fixed = System.getProperty("strata.test.seed", "");
    long seed = fixed.isEmpty() ? System.nanoTime() : Long.parseLong(fixed);
    System.out.println(
        "InstrumentedEngineTest seed " + seed + " (replay: -Dstrata.test.seed=" + seed + ")");
    return seed;
  }

  @ParameterizedTest(name = "{0} engine, {1} registry")
  @MethodSource("enginesAndRegistries")
  void logicalBytesCounter_movesByExactlyTheCommittedLogicalBytes(
      String engine, Readout.Kind kind) {
    open(engine, kind);
    long seed = seed();
    SplittableRandom random = new SplittableRandom(seed);
    double before = readout.counter(LOGICAL_BYTES, tags);
    long expected = 0;
    for (int txn = 0; txn < 30; txn++) {
      boolean commit = random.nextInt(4) != 0;
      long txnBytes = 0;
      try (WriteTxn w = db.beginWrite()) {
        int ops = 1 + random.nextInt(20);
        for (int i = 0; i < ops; i++) {
          byte[] key = new byte[1 + random.nextInt(24)];
          random.nextBytes(key);
          if (random.nextInt(5) == 0) {
            w.delete(key);
            txnBytes += key.length;
          } else {
            byte[] value = new byte[random.nextInt(300)];
            random.nextBytes(value);
            w.put(key, value);
            txnBytes += key.length + value.length;
          }
        }
        if (commit) {
          w.commit();
          expected += txnBytes;
        } else {
          w.rollback();
        }
      }
    }
    double after = readout.counter(LOGICAL_BYTES, tags);
    assertEquals(expected, after - before, 0.0, "seed " + seed);
    assertEquals(db.meter().logicalBytes(), after, 0.0, "seed " + seed);
    assertEquals(db.meter().physicalBytes(), readout.counter(PHYSICAL_BYTES, tags), 0.0);
    assertEquals(db.meter().syncs(), readout.counter(SYNCS, tags), 0.0);
    assertEquals(db.meter().amplification(), readout.gauge(WRITE_AMPLIFICATION, tags), 1e-9);
    if (engine.equals("btree")) {
      assertTrue(readout.counter(PHYSICAL_BYTES, tags) > after, "a btree commit writes pages");
      assertTrue(readout.counter(SYNCS, tags) > 0, "SYNC commits fsync");
    }
  }

  @ParameterizedTest(name = "{0} engine, {1} registry")
  @MethodSource("enginesAndRegistries")
  void commitTimer_countsEveryCommit(String engine, Readout.Kind kind) {
    open(engine, kind);
    for (int i = 0; i < 5; i++) {
      try (WriteTxn w = db.beginWrite()) {
        w.put(bytes("k" + i), bytes("v" + i));
        w.commit();
      }
    }
    db.put(bytes("one-shot"), bytes("put"));
    db.delete(bytes("k0"));
    int fromUpdate = db.update(w -> w.get(bytes("k1")).length);
    assertEquals(2, fromUpdate);

    assertEquals(8, commits("success"), 0.0);
    assertEquals(0, commits("failure"), 0.0);
    assertEquals(8, writesBegun(), 0.0);
    assertEquals(0, readout.counter(TXN_ROLLBACKS, tags), 0.0);
    assertArrayEquals(bytes("put"), db.get(bytes("one-shot")));
  }

  @ParameterizedTest(name = "{0} engine, {1} registry")
  @MethodSource("enginesAndRegistries")
  void rollbacks_areCountedAndAddNoLogicalBytes(String engine, Readout.Kind kind) {
    open(engine, kind);
    double logicalBefore = readout.counter(LOGICAL_BYTES, tags);
    try (WriteTxn w = db.beginWrite()) {
      w.put(bytes("a"), bytes("1"));
      w.rollback();
      w.rollback();
    }
    try (WriteTxn w = db.beginWrite()) {
      w.put(bytes("b"), bytes("2"));
    }
    IllegalStateException thrown =
        assertThrows(
            IllegalStateException.class,
            () ->
                db.update(
                    w -> {
                      w.put(bytes("c"), bytes("3"));
                      throw new IllegalStateException("work failed");
                    }));
    assertEquals("work failed", thrown.getMessage());

    assertEquals(3, readout.counter(TXN_ROLLBACKS, tags), 0.0);
    assertEquals(3, writesBegun(), 0.0);
    assertEquals(0, commits("success"), 0.0);
    assertEquals(0, commits("failure"), 0.0);
    assertEquals(logicalBefore, readout.counter(LOGICAL_BYTES, tags), 0.0);
    assertEquals(null, db.get(bytes("a")));
    assertEquals(null, db.get(bytes("c")));
  }

  @ParameterizedTest(name = "{0} engine, {1} registry")
  @MethodSource("enginesAndRegistries")
  void committedAndEndedTxn_recordsNothingMore(String engine, Readout.Kind kind) {
    open(engine, kind);
    WriteTxn w = db.beginWrite();
    w.put(bytes("k"), bytes("v"));
    w.commit();
    assertThrows(dev.strata.api.TransactionClosedException.class, w::commit);
    w.rollback();
    w.close();
    assertEquals(1, commits("success"), 0.0);
    assertEquals(0, commits("failure"), 0.0);
    assertEquals(0, readout.counter(TXN_ROLLBACKS, tags), 0.0);
  }

  @ParameterizedTest(name = "{0} engine, {1} registry")
  @MethodSource("enginesAndRegistries")
  void readTransactions_areCounted(String engine, Readout.Kind kind) {
    open(engine, kind);
    db.put(bytes("k"), bytes("v"));
    try (ReadTxn r = db.beginRead();
        Cursor c = r.cursor(KeyRange.all())) {
      assertTrue(c.next());
      assertArrayEquals(bytes("k"), c.key());
    }
    try (ReadTxn r = db.beginRead()) {
      assertArrayEquals(bytes("v"), r.get(bytes("k")));
    }
    assertArrayEquals(bytes("v"), db.get(bytes("k")));
    assertEquals(null, db.get(bytes("absent")));
    assertEquals(1, (int) db.view(r -> r.get(bytes("k")).length));
    assertThrows(NullPointerException.class, () -> db.get(null));

    assertEquals(5, readsBegun(), 0.0);
    assertEquals(1, writesBegun(), 0.0);
  }

  @ParameterizedTest(name = "{0} engine, {1} registry")
  @MethodSource("enginesAndRegistries")
  void statsGauges_showEveryStatsKey_andRefreshOffTheScrape(String engine, Readout.Kind kind)
      throws InterruptedException {
    open(engine, kind, Duration.ZERO);
    Map<String, Number> stats = db.stats();
    assertTrue(stats.containsKey("keys"), stats.toString());
    for (Map.Entry<String, Number> e : stats.entrySet()) {
      double gauge = readout.gauge(StrataMetrics.statMeterName(e.getKey()), tags);
      if (!e.getKey().equals("openReaders")) {
        assertEquals(e.getValue().doubleValue(), gauge, 0.0, e.getKey());
      }
    }
    for (int i = 0; i < 7; i++) {
      db.put(bytes("key" + i), bytes("value"));
    }
    String keysGauge = StrataMetrics.statMeterName("keys");
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    double keys = readout.gauge(keysGauge, tags);
    while (keys != 7 && System.nanoTime() < deadline) {
      Thread.sleep(10);
      keys = readout.gauge(keysGauge, tags);
    }
    assertEquals(7, keys, 0.0, "the keys gauge follows the store after a background refresh");
  }

  @ParameterizedTest(name = "{0} engine, {1} registry")
  @MethodSource("enginesAndRegistries")
  void scrapeAfterClose_doesNotThrow_andKeepsFinalFigures(String engine, Readout.Kind kind) {
    open(engine, kind, Duration.ZERO);
    db.put(bytes("k"), bytes("value"));
    db.verifyIntegrity();
    long logical = db.meter().logicalBytes();
    db.close();
    closedByTest = true;
    readout.scrapeAll();
    assertEquals(logical, readout.counter(LOGICAL_BYTES, tags), 0.0);
    assertEquals(1, commits("success"), 0.0);
    assertTrue(Double.isNaN(readout.gauge(StrataMetrics.statMeterName("keys"), tags)));
    readout.scrapeAll();
  }
}
