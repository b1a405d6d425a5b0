package dev.strata.metrics;

import dev.strata.api.EngineClosedException;
import dev.strata.api.StorageEngine;
import dev.strata.api.WriteAmplificationMeter;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

/**
 * Reads one engine for its gauges: the write-amplification meter on every read, and {@link
 * StorageEngine#stats()} from a cached sample refreshed off the reading thread.
 *
 * <h2>Why a cached, asynchronous sample</h2>
 *
 * A stats call may walk the whole store and wait for the open write transaction ({@code btree}
 * holds its writer gate for the walk). A scrape reads every stats gauge of a store, in every
 * registry, so reading {@code stats()} per gauge would multiply that cost and stall the scrape. One
 * sample serves all gauges; a gauge read that finds it older than the interval hands a refresh to
 * the executor (at most one refresh runs at a time) and returns the current figures at once. The
 * engine is only sampled while someone reads its gauges.
 *
 * <h2>Stopping</h2>
 *
 * {@link #stop(StorageEngine)} (the engine closed) keeps the meter's final figures and makes every
 * stats read NaN, so no gauge touches the engine again. A refresh that finds the engine closed
 * stops the sampler the same way. Any other failure of a refresh empties the sample (its gauges
 * read NaN until a refresh succeeds) and is logged once per run of failures.
 *
 * <p>Thread-safe: the sample and the final meter figures are published through volatile fields. The
 * sampler holds no reference to the engine: gauges pass it in, so a registry keeps nothing alive
 * but what Micrometer itself holds weakly.
 */
final class EngineSampler {
  private static final System.Logger LOG = System.getLogger(EngineSampler.class.getName());

  /** A stats sample and when it was taken ({@code clock} nanoseconds). */
  private record Sample(Map<String, Number> values, long takenAtNanos) {}

  private final long intervalNanos;
  private final Executor executor;
  private final LongSupplier clock;
  private final AtomicBoolean refreshing = new AtomicBoolean();
  private volatile Sample sample;
  private volatile boolean stopped;
  private volatile boolean failing;
  private volatile WriteAmplificationMeter.Snapshot lastMeter =
      new WriteAmplificationMeter.Snapshot(0, 0, 0);

  EngineSampler(Duration interval, Executor executor, LongSupplier clock) {
    this.intervalNanos = saturatedNanos(interval);
    this.executor = executor;
    this.clock = clock;
    this.sample = new Sample(Map.of(), clock.getAsLong() - intervalNanos);
  }

  /**
   * A sampler whose refreshes each run on a new daemon thread: a refresh happens at most once per
   * interval, so a thread costs less than keeping one parked for the store's lifetime.
   */
  static EngineSampler create(Duration interval, String storeName) {
    String threadName = "strata-metrics-stats-" + storeName;
    Executor perRefreshThread =
        task -> {
          Thread thread = new Thread(task, threadName);
          thread.setDaemon(true);
          thread.start();
        };
    return new EngineSampler(interval, perRefreshThread, System::nanoTime);
  }

  private static long saturatedNanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException tooLong) {
      return Long.MAX_VALUE / 2;
    }
  }

  /**
   * Takes a sample on the calling thread, for binding (the gauges are named after its keys).
   *
   * @return the sample's figures; empty when the engine is closed or the sample failed
   */
  Map<String, Number> sampleNow(StorageEngine engine) {
    refresh(engine);
    return sample.values();
  }

  /** The meter's current figures, or the last ones read once stopped or when reading fails. */
  WriteAmplificationMeter.Snapshot meter(StorageEngine engine) {
    if (engine != null && !stopped) {
      try {
        WriteAmplificationMeter.Snapshot now = engine.meter().snapshot();
        lastMeter = now;
        return now;
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.DEBUG, "reading the write-amplification meter failed", e);
      }
    }
    return lastMeter;
  }

  /**
   * The figure of one stats key from the current sample, starting a refresh when it is stale.
   *
   * @return the figure, or NaN when the key is absent from the sample or the sampler stopped
   */
  double stat(StorageEngine engine, String key) {
    if (stopped || engine == null) {
      return Double.NaN;
    }
    Sample current = sample;
    if (clock.getAsLong() - current.takenAtNanos() >= intervalNanos
        && refreshing.compareAndSet(false, true)) {
      try {
        executor.execute(() -> refreshAndRelease(engine));
      } catch (RuntimeException rejected) {
        refreshing.set(false);
        LOG.log(System.Logger.Level.DEBUG, "could not start a stats refresh", rejected);
      }
    }
    Number value = current.values().get(key);
    return value == null ? Double.NaN : value.doubleValue();
  }

  private void refreshAndRelease(StorageEngine engine) {
    try {
      refresh(engine);
    } finally {
      refreshing.set(false);
    }
  }

  private void refresh(StorageEngine engine) {
    if (stopped) {
      return;
    }
    try {
      Map<String, Number> values = engine.stats();
      sample = new Sample(values, clock.getAsLong());
      failing = false;
    } catch (EngineClosedException closed) {
      stop(engine);
    } catch (RuntimeException e) {
      sample = new Sample(Map.of(), clock.getAsLong());
      if (!failing) {
        failing = true;
        LOG.log(
            System.Logger.Level.WARNING, "stats() failed; its gauges read NaN until it works", e);
      }
    }
  }

  /** Keeps the meter's final figures and stops touching the engine. Idempotent. */
  void stop(StorageEngine engine) {
    if (stopped) {
      return;
    }
    meter(engine);
    stopped = true;
    sample = new Sample(Map.of(), clock.getAsLong());
  }

  boolean stopped() {
    return stopped;
  }
}
