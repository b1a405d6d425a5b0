/**
 * The reliability kit every engine runs through one-line subclasses of {@link
 * dev.strata.tck.reliability.EngineHarness}'s parts: {@link
 * dev.strata.tck.reliability.ProcessKillHarness} (kill -9 of a child JVM at seeded random moments,
 * stacked on one store), {@link dev.strata.tck.reliability.CrashPointReplay} (every crash point of
 * a recorded workload, with the files {@link dev.strata.tck.reliability.CrashImages} says a crash
 * there could leave) and {@link dev.strata.tck.reliability.FaultInjectionHarness} (for engines that
 * write through {@link dev.strata.api.EngineOptions#fileIO()}, using {@link
 * dev.strata.tck.reliability.FaultyFileIO}; both drive {@link
 * dev.strata.tck.reliability.ModelWorkload}), and {@link
 * dev.strata.tck.reliability.ConcurrencySoak} (one writer, eight snapshot readers, a long reader
 * and space reuse). Sizes come from {@code strata.crash.iterations}, {@code strata.replay.txns} and
 * {@code strata.soak.seconds}, set short for CI and long by the {@code reliability} profile and by
 * {@code .ci/reliability-long}. See RELIABILITY.md at the repository root.
 */
package dev.strata.tck.reliability;
