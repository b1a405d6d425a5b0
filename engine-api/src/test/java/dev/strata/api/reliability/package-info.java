/**
 * The reliability kit every engine runs through one-line subclasses: {@link
 * dev.strata.api.reliability.ProcessKillHarness} (kill -9 of a child JVM at seeded random moments,
 * stacked on one store) and {@link dev.strata.api.reliability.ConcurrencySoak} (one writer, eight
 * snapshot readers, a long reader and space reuse). Sizes come from {@code strata.crash.iterations}
 * and {@code strata.soak.seconds}, set short for CI and long by the {@code reliability} profile.
 */
package dev.strata.api.reliability;
