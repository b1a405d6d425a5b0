package dev.strata.metrics;

import dev.strata.api.StorageEngine;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * A {@link StorageEngine} that delegates every call to the engine it wraps and records transaction
 * meters, and the {@link MeterBinder} that publishes them together with the wrapped engine's
 * write-amplification meter and stats. Made by {@link StrataMetrics#instrument(StorageEngine,
 * String)}; the meters are listed there.
 *
 * <p>It behaves as the wrapped engine does, call for call: same results, same exceptions, same
 * blocking. Read transactions and cursors are the wrapped engine's own objects (counting a read
 * allocates nothing); a write transaction is wrapped so its end can be recorded. One-shot calls
 * ({@code get}, {@code put}, {@code delete}, {@code view}, {@code update}) run the wrapped engine's
 * own implementation when it has one, and the interface's default over the instrumented
 * transactions otherwise. For a one-shot {@code put} or {@code delete} the engine implements
 * itself, the commit timer measures the whole call, because such an engine commits without a
 * separate {@code commit()}.
 *
 * <p>Counting rules: a transaction counts as begun once the engine handed it out (a one-shot call
 * rejected for its arguments, or because the engine is closed or read-only, counts nothing); a
 * commit counts as a success when {@code commit()} returned and as a failure when it threw (the
 * transaction is then rolled back by the engine and not counted again as a rollback); calling
 * {@code commit()} or {@code rollback()} again on an ended transaction records nothing.
 *
 * <p>Thread-safe, as the wrapped engine is. Closing it closes the wrapped engine and turns the
 * stats gauges to NaN.
 */
public interface InstrumentedStorageEngine extends StorageEngine, MeterBinder {
  /**
   * Returns the store name given at creation, the value of the {@value StrataMetrics#TAG_STORE}
   * tag.
   *
   * @return the store name
   */
  String storeName();

  /**
   * Registers this engine's meters in {@code registry}: the write-amplification meter, one gauge
   * per stats key (taking the first stats sample on the calling thread, which for some engines
   * waits for an open write transaction), and the transaction meters. The timers record commits
   * from this call on; the counters count from the engine's creation. May be called for several
   * registries; binding the same registry twice registers nothing new.
   *
   * @param registry the registry
   * @throws NullPointerException if {@code registry} is null
   */
  @Override
  void bindTo(MeterRegistry registry);
}
