/**
 * Strata's benchmarks. {@link dev.strata.bench.Main} is the shaded jar's entry point: the {@code
 * strata-bench} runner ({@code dev.strata.bench.runner}) or the JMH suite ({@code
 * dev.strata.bench.jmh}); {@code dev.strata.bench.baseline} holds the LMDB and raw RocksDB
 * baselines.
 */
package dev.strata.bench;
