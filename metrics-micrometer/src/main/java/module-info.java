/**
 * Micrometer meters for Strata engines ({@code dev.strata.metrics}): a {@link
 * io.micrometer.core.instrument.binder.MeterBinder} for any engine's write-amplification meter and
 * stats, and an instrumenting decorator that adds transaction counts and commit latency.
 */
@SuppressWarnings("requires-transitive-automatic")
module dev.strata.metrics {
  requires transitive dev.strata.api;
  requires transitive micrometer.core;

  exports dev.strata.metrics;
}
