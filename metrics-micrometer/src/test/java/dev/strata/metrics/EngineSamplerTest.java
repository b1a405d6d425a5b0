package dev.strata.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.EngineClosedException;
import dev.strata.api.StorageEngine;
import dev.strata.api.WriteAmplificationMeter;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The stats sample: taken at most once per interval, never on the reading thread, one for all
 * gauges, and never again once the engine closed. The clock and the refresh executor are the
 * test's, so each step is deterministic.
 */
class EngineSamplerTest {
  private static final Duration INTERVAL = Duration.ofSeconds(10);

  private final AtomicLong clock = new AtomicLong(1_000_000_000L);
  private final Queue<Runnable> refreshes = new ArrayDeque<>();
  private final EngineSampler sampler = new EngineSampler(INTERVAL, refreshes::add, clock::get);
  private final WriteAmplificationMeter meter = new WriteAmplificationMeter();
  private int statsCalls;
  private Supplier<Map<String, Number>> stats = () -> Map.of("keys", 1, "pages", 10);

  /** An engine that answers only {@code stats()} and {@code meter()}, as the sampler needs. */
  private final StorageEngine engine =
      (StorageEngine)
          Proxy.newProxyInstance(
              StorageEngine.class.getClassLoader(),
              new Class<?>[] {StorageEngine.class},
              (self, method, args) -> {
                switch (method.getName()) {
                  case "stats":
                    statsCalls++;
                    return stats.get();
                  case "meter":
                    return meter;
                  default:
                    throw new AssertionError("the sampler called " + method);
                }
              });

  private void advance(Duration d) {
    clock.addAndGet(d.toNanos());
  }

  private void runRefreshes() {
    Runnable r;
    while ((r = refreshes.poll()) != null) {
      r.run();
    }
  }

  @Test
  void freshSample_servesEveryGaugeWithoutCallingStats() {
    assertEquals(Map.of("keys", 1, "pages", 10), sampler.sampleNow(engine));
    for (int i = 0; i < 100; i++) {
      assertEquals(1, sampler.stat(engine, "keys"), 0.0);
      assertEquals(10, sampler.stat(engine, "pages"), 0.0);
    }
    assertTrue(Double.isNaN(sampler.stat(engine, "absent")));
    assertEquals(1, statsCalls);
    assertTrue(refreshes.isEmpty());
  }

  @Test
  void staleSample_startsOneRefreshAndAnswersFromTheOldSample() {
    sampler.sampleNow(engine);
    stats = () -> Map.of("keys", 2, "pages", 20);
    advance(INTERVAL);
    assertEquals(1, sampler.stat(engine, "keys"), 0.0);
    assertEquals(10, sampler.stat(engine, "pages"), 0.0);
    assertEquals(1, refreshes.size(), "one refresh in flight, however many gauges read");
    assertEquals(1, statsCalls, "the reading thread never calls stats()");

    runRefreshes();
    assertEquals(2, statsCalls);
    assertEquals(2, sampler.stat(engine, "keys"), 0.0);
    assertEquals(20, sampler.stat(engine, "pages"), 0.0);
    assertTrue(refreshes.isEmpty(), "the new sample is fresh");
  }

  @Test
  void failingStats_readNaNUntilASampleWorks() {
    sampler.sampleNow(engine);
    stats =
        () -> {
          throw new IllegalStateException("walk failed");
        };
    advance(INTERVAL);
    sampler.stat(engine, "keys");
    runRefreshes();
    assertTrue(Double.isNaN(sampler.stat(engine, "keys")));

    stats = () -> Map.of("keys", 3);
    advance(INTERVAL);
    sampler.stat(engine, "keys");
    runRefreshes();
    assertEquals(3, sampler.stat(engine, "keys"), 0.0);
  }

  @Test
  void closedEngine_stopsTheSampler_andTheMeterKeepsItsFinalFigures() {
    sampler.sampleNow(engine);
    meter.addLogical(100);
    meter.addPhysical(400);
    meter.addSync();
    assertEquals(100, sampler.meter(engine).logicalBytes());
    stats =
        () -> {
          throw new EngineClosedException("closed");
        };
    advance(INTERVAL);
    sampler.stat(engine, "keys");
    runRefreshes();
    assertTrue(sampler.stopped());
    int callsWhenStopped = statsCalls;

    meter.addLogical(1); // the sampler must not read the meter any more
    advance(INTERVAL);
    assertTrue(Double.isNaN(sampler.stat(engine, "keys")));
    assertEquals(new WriteAmplificationMeter.Snapshot(100, 400, 1), sampler.meter(engine));
    assertEquals(4.0, sampler.meter(engine).amplification(), 0.0);
    assertTrue(refreshes.isEmpty());
    assertEquals(callsWhenStopped, statsCalls);
  }

  @Test
  void rejectedRefresh_isRetriedOnTheNextRead() {
    int[] attempts = {0};
    EngineSampler rejecting =
        new EngineSampler(
            INTERVAL,
            task -> {
              if (attempts[0]++ == 0) {
                throw new java.util.concurrent.RejectedExecutionException("busy");
              }
              task.run();
            },
            clock::get);
    rejecting.sampleNow(engine);
    stats = () -> Map.of("keys", 5);
    advance(INTERVAL);
    assertEquals(1, rejecting.stat(engine, "keys"), 0.0);
    assertEquals(1, rejecting.stat(engine, "keys"), 0.0); // this read's refresh ran inline
    assertEquals(5, rejecting.stat(engine, "keys"), 0.0);
  }
}
