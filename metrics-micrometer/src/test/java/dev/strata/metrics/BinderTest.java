package dev.strata.metrics;

import static dev.strata.metrics.StrataMetrics.LOGICAL_BYTES;
import static dev.strata.metrics.StrataMetrics.PHYSICAL_BYTES;
import static dev.strata.metrics.StrataMetrics.TAG_ENGINE;
import static dev.strata.metrics.StrataMetrics.TAG_OUTCOME;
import static dev.strata.metrics.StrataMetrics.TAG_STORE;
import static dev.strata.metrics.StrataMetrics.TXN_BEGUN;
import static dev.strata.metrics.StrataMetrics.TXN_COMMIT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.StorageEngine;
import dev.strata.api.StorageEngines;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The plain binder of an engine used without the decorator, and binding several registries. */
class BinderTest {
  @TempDir Path dir;

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @ParameterizedTest(name = "{0} engine")
  @ValueSource(strings = {"memory", "btree"})
  void binder_exposesMeterAndStats_andGoesQuietWhenTheEngineCloses(String engine)
      throws InterruptedException {
    Readout readout = Readout.Kind.PROMETHEUS.create();
    String[] tags = {TAG_ENGINE, engine, TAG_STORE, "plain"};
    StorageEngine db = StorageEngines.open(engine, dir.resolve(engine));
    MeterBinder binder = StrataMetrics.binder(db, "plain", Duration.ZERO);
    binder.bindTo(readout.registry);
    db.put(bytes("key"), bytes("value"));
    db.verifyIntegrity();

    assertEquals(8, readout.counter(LOGICAL_BYTES, tags), 0.0);
    assertEquals(db.meter().physicalBytes(), readout.counter(PHYSICAL_BYTES, tags), 0.0);
    Map<String, Number> stats = db.stats();
    for (String key : stats.keySet()) {
      readout.gauge(StrataMetrics.statMeterName(key), tags); // registered, one sample each
    }
    assertNull(
        readout.registry.find(TXN_BEGUN).meter(), "no transaction meters without the decorator");

    db.close();
    // The first read after close finds the engine closed; later reads never touch it.
    String keys = StrataMetrics.statMeterName("keys");
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    double value = readout.gauge(keys, tags);
    while (!Double.isNaN(value) && System.nanoTime() < deadline) {
      Thread.sleep(10);
      value = readout.gauge(keys, tags);
    }
    assertTrue(Double.isNaN(value), "stats gauges read NaN once the engine closed");
    assertEquals(8, readout.counter(LOGICAL_BYTES, tags), 0.0);
  }

  @ParameterizedTest(name = "{0} engine")
  @ValueSource(strings = {"memory", "btree"})
  void instrumentedEngine_boundToTwoRegistries_recordsInBoth(String engine) {
    Readout simple = Readout.Kind.SIMPLE.create();
    Readout prometheus = Readout.Kind.PROMETHEUS.create();
    String[] tags = {TAG_ENGINE, engine, TAG_STORE, "twice", TAG_OUTCOME, "success"};
    try (InstrumentedStorageEngine db =
        StrataMetrics.instrument(StorageEngines.open(engine, dir.resolve(engine)), "twice")) {
      db.bindTo(simple.registry);
      db.bindTo(prometheus.registry);
      db.bindTo(prometheus.registry); // binding the same registry again adds nothing
      db.put(bytes("a"), bytes("1"));
      db.put(bytes("b"), bytes("2"));
      assertEquals(2, simple.timerCount(TXN_COMMIT, tags), 0.0);
      assertEquals(2, prometheus.timerCount(TXN_COMMIT, tags), 0.0);
      assertEquals(4, simple.counter(LOGICAL_BYTES, TAG_ENGINE, engine), 0.0);
      assertEquals(4, prometheus.counter(LOGICAL_BYTES, TAG_ENGINE, engine), 0.0);
      assertEquals(meterCount(simple.registry), meterCount(prometheus.registry));
      db.verifyIntegrity();
    }
  }

  private static int meterCount(MeterRegistry registry) {
    return registry.getMeters().size();
  }
}
