/**
 * Micrometer meters for Strata engines.
 *
 * <p>Start with {@link dev.strata.metrics.StrataMetrics}: {@link
 * dev.strata.metrics.StrataMetrics#instrument instrument} wraps an engine so its transactions,
 * commits, rollbacks and commit latency are recorded, and the wrapped engine ({@link
 * dev.strata.metrics.InstrumentedStorageEngine}) binds them, with the engine's write amplification
 * and stats, to any {@link io.micrometer.core.instrument.MeterRegistry}. {@link
 * dev.strata.metrics.StrataMetrics#binder binder} binds the write amplification and stats of an
 * engine used without the wrapper. The meter names and tags are constants of {@code StrataMetrics};
 * the module's README shows them as Prometheus text.
 *
 * <p>Errors: null arguments throw {@link java.lang.NullPointerException} naming the parameter; a
 * blank store name or a negative sampling interval throws {@link
 * java.lang.IllegalArgumentException}. Reading a meter never throws.
 */
package dev.strata.metrics;
