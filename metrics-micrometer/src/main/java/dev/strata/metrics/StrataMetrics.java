package dev.strata.metrics;

import dev.strata.api.StorageEngine;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.Objects;

/**
 * Micrometer meters for Strata engines: the names, the tags, and the two ways to get them.
 *
 * <ul>
 *   <li>{@link #instrument(StorageEngine, String)} wraps an engine in a decorator that delegates
 *       every call and counts transactions, commits, rollbacks and commit latency; the decorator is
 *       itself the {@link MeterBinder}. Use it in place of the engine it wraps.
 *   <li>{@link #binder(StorageEngine, String)} binds what any engine exposes without a decorator:
 *       the {@link dev.strata.api.WriteAmplificationMeter} and {@link StorageEngine#stats()}.
 * </ul>
 *
 * <pre>{@code
 * InstrumentedStorageEngine db =
 *     StrataMetrics.instrument(StorageEngines.open("btree", Path.of("orders")), "orders");
 * db.bindTo(registry);
 * db.put(key, value); // strata.txn.begun{strata.txn=write}, strata.txn.commit, strata.logical.bytes
 * }</pre>
 *
 * <h2>Meters</h2>
 *
 * Every meter carries the tags {@value #TAG_ENGINE} ({@link StorageEngine#name()}) and {@value
 * #TAG_STORE} (the store name given here). Names use Micrometer's dot notation; a Prometheus
 * registry renders {@code strata.logical.bytes} as {@code strata_logical_bytes_total}.
 *
 * <ul>
 *   <li>{@value #LOGICAL_BYTES}, {@value #PHYSICAL_BYTES} (function counters, base unit bytes),
 *       {@value #SYNCS} (function counter) and {@value #WRITE_AMPLIFICATION} (gauge, NaN while no
 *       logical byte was counted): the engine's write-amplification meter.
 *   <li>{@value #STATS_PREFIX}{@code <key>} (gauges): one per {@link StorageEngine#stats()} key
 *       present when the meters are bound, named by {@link #statMeterName(String)}.
 *   <li>{@value #TXN_BEGUN} (function counter, tag {@value #TAG_TXN} {@code read} or {@code
 *       write}), {@value #TXN_COMMIT} (timer, tag {@value #TAG_OUTCOME} {@code success} or {@code
 *       failure}) and {@value #TXN_ROLLBACKS} (function counter): only on an instrumented engine.
 * </ul>
 *
 * <h2>Stats sampling</h2>
 *
 * {@code stats()} may be costly (the {@code btree} engine walks its whole tree while holding the
 * writer gate), so the meters never call it once per gauge or on the scraping thread. One sample
 * serves every stats gauge of a store in every registry it is bound to. When a gauge is read and
 * the sample is older than the sampling interval ({@link #DEFAULT_STATS_INTERVAL} unless given), a
 * background daemon thread takes a new one while the scrape returns the current one: a scrape never
 * waits for {@code stats()}, and an idle store is never sampled. Binding takes the first sample on
 * the calling thread, because the gauges are named after its keys.
 *
 * <h2>Closing</h2>
 *
 * Once the engine is closed the meters stay registered but never touch it again: stats gauges read
 * NaN, the write-amplification meters keep their final figures and the transaction meters stop
 * moving. An instrumented engine knows when it closes; a plain {@link #binder(StorageEngine,
 * String) binder} learns it from the first sample that fails with {@link
 * dev.strata.api.EngineClosedException}, and until then reads only the meter, which works after
 * close. Reading a meter never throws.
 *
 * <h2>References</h2>
 *
 * Meters hold the engine weakly (Micrometer's default): a registry does not keep a dropped engine
 * alive, and the meters of a collected engine read NaN.
 *
 * <p>Thread-safe: all methods and all meters may be used from any thread.
 */
public final class StrataMetrics {
  /** Tag holding {@link StorageEngine#name()}, e.g. {@code btree}. */
  public static final String TAG_ENGINE = "strata.engine";

  /** Tag holding the store name passed to {@link #instrument} or {@link #binder}. */
  public static final String TAG_STORE = "strata.store";

  /** Tag of {@link #TXN_BEGUN}: {@code read} or {@code write}. */
  public static final String TAG_TXN = "strata.txn";

  /** Tag of {@link #TXN_COMMIT}: {@code success} or {@code failure}. */
  public static final String TAG_OUTCOME = "strata.outcome";

  /** Function counter of the meter's logical bytes (base unit bytes). */
  public static final String LOGICAL_BYTES = "strata.logical.bytes";

  /** Function counter of the meter's physical bytes (base unit bytes). */
  public static final String PHYSICAL_BYTES = "strata.physical.bytes";

  /** Function counter of the meter's fsync / fdatasync calls. */
  public static final String SYNCS = "strata.syncs";

  /** Gauge of physical bytes divided by logical bytes; NaN while no logical byte was counted. */
  public static final String WRITE_AMPLIFICATION = "strata.write.amplification";

  /** Prefix of the stats gauges; see {@link #statMeterName(String)}. */
  public static final String STATS_PREFIX = "strata.stats.";

  /**
   * Function counter of transactions begun on an instrumented engine, tagged {@link #TAG_TXN}.
   * One-shot {@code get}, {@code view}, {@code put}, {@code delete} and {@code update} calls count
   * as the transaction they run in.
   */
  public static final String TXN_BEGUN = "strata.txn.begun";

  /**
   * Timer of commits on an instrumented engine, tagged {@link #TAG_OUTCOME}: its count is the
   * number of commits (successful or failed), its total and maximum their latency.
   */
  public static final String TXN_COMMIT = "strata.txn.commit";

  /**
   * Function counter of write transactions that ended without committing on an instrumented engine:
   * {@code rollback()}, {@code close()} before {@code commit()}, an {@code update} whose work
   * threw. A failed commit is counted by {@link #TXN_COMMIT}, not here.
   */
  public static final String TXN_ROLLBACKS = "strata.txn.rollbacks";

  /** How old a stats sample may get before a gauge read starts a new one: 30 seconds. */
  public static final Duration DEFAULT_STATS_INTERVAL = Duration.ofSeconds(30);

  private StrataMetrics() {}

  /**
   * Wraps {@code engine} in a decorator that delegates every call to it and records transaction
   * meters, sampling stats every {@link #DEFAULT_STATS_INTERVAL} at most. The decorator owns the
   * engine: closing it closes the engine.
   *
   * @param engine the engine to wrap; use the returned engine in its place
   * @param storeName the value of the {@value #TAG_STORE} tag
   * @return the instrumented engine, which binds its meters with {@link
   *     InstrumentedStorageEngine#bindTo}
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code storeName} is blank
   */
  public static InstrumentedStorageEngine instrument(StorageEngine engine, String storeName) {
    return instrument(engine, storeName, DEFAULT_STATS_INTERVAL);
  }

  /**
   * Wraps {@code engine} in a decorator that delegates every call to it and records transaction
   * meters. The decorator owns the engine: closing it closes the engine.
   *
   * @param engine the engine to wrap; use the returned engine in its place
   * @param storeName the value of the {@value #TAG_STORE} tag
   * @param statsInterval how old a stats sample may get before a gauge read starts a new one;
   *     {@link Duration#ZERO} samples on every scrape (still off the scraping thread)
   * @return the instrumented engine, which binds its meters with {@link
   *     InstrumentedStorageEngine#bindTo}
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code storeName} is blank or {@code statsInterval} is
   *     negative
   */
  public static InstrumentedStorageEngine instrument(
      StorageEngine engine, String storeName, Duration statsInterval) {
    Objects.requireNonNull(engine, "engine");
    checkStoreName(storeName);
    EngineSampler sampler = EngineSampler.create(checkInterval(statsInterval), storeName);
    return new InstrumentedEngine(engine, storeName, sampler);
  }

  /**
   * Returns a binder for the write-amplification meter and the stats of any engine, sampling stats
   * every {@link #DEFAULT_STATS_INTERVAL} at most. It records no transaction meters: the engine's
   * calls do not pass through it.
   *
   * @param engine the engine; the caller keeps owning it
   * @param storeName the value of the {@value #TAG_STORE} tag
   * @return a binder; binding it to several registries shares one stats sample
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code storeName} is blank
   */
  public static MeterBinder binder(StorageEngine engine, String storeName) {
    return binder(engine, storeName, DEFAULT_STATS_INTERVAL);
  }

  /**
   * Returns a binder for the write-amplification meter and the stats of any engine. It records no
   * transaction meters: the engine's calls do not pass through it.
   *
   * @param engine the engine; the caller keeps owning it
   * @param storeName the value of the {@value #TAG_STORE} tag
   * @param statsInterval how old a stats sample may get before a gauge read starts a new one;
   *     {@link Duration#ZERO} samples on every scrape (still off the scraping thread)
   * @return a binder; binding it to several registries shares one stats sample
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code storeName} is blank or {@code statsInterval} is
   *     negative
   */
  public static MeterBinder binder(StorageEngine engine, String storeName, Duration statsInterval) {
    Objects.requireNonNull(engine, "engine");
    checkStoreName(storeName);
    EngineSampler sampler = EngineSampler.create(checkInterval(statsInterval), storeName);
    return new EngineBinder(engine, storeName, sampler);
  }

  /**
   * Returns the gauge name of a {@link StorageEngine#stats()} key: {@value #STATS_PREFIX} followed
   * by the key with each camel-case word and each run of other characters turned into a
   * dot-separated lower-case part. {@code pagesInUse} becomes {@code strata.stats.pages.in.use}
   * ({@code strata_stats_pages_in_use} in Prometheus); digits stay with the word before them
   * ({@code filesAtLevel0} becomes {@code strata.stats.files.at.level0}).
   *
   * @param key a stats key
   * @return the gauge name
   * @throws NullPointerException if {@code key} is null
   * @throws IllegalArgumentException if {@code key} holds no letter or digit
   */
  public static String statMeterName(String key) {
    Objects.requireNonNull(key, "key");
    StringBuilder name = new StringBuilder(STATS_PREFIX.length() + key.length() + 4);
    name.append(STATS_PREFIX);
    int start = name.length();
    boolean separate = false;
    char previous = 0;
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (!Character.isLetterOrDigit(c) || c > 0x7f) {
        separate = true;
      } else {
        boolean wordStart =
            Character.isUpperCase(c) && (Character.isLowerCase(previous) || isDigit(previous));
        if (name.length() > start && (separate || wordStart)) {
          name.append('.');
        }
        separate = false;
        name.append(Character.toLowerCase(c));
      }
      previous = c;
    }
    if (name.length() == start) {
      throw new IllegalArgumentException("stats key has no letter or digit: '" + key + "'");
    }
    return name.toString();
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private static void checkStoreName(String storeName) {
    Objects.requireNonNull(storeName, "storeName");
    if (storeName.isBlank()) {
      throw new IllegalArgumentException("storeName must not be blank");
    }
  }

  private static Duration checkInterval(Duration statsInterval) {
    Objects.requireNonNull(statsInterval, "statsInterval");
    if (statsInterval.isNegative()) {
      throw new IllegalArgumentException("statsInterval must not be negative: " + statsInterval);
    }
    return statsInterval;
  }
}
