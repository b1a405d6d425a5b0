/**
 * The {@code lsm} engine's benchmarks: the JMH benchmark {@link
 * dev.strata.bench.lsm.LsmAdapterOverhead} and the {@code strata-bench lsm} commands ({@code
 * overhead}, {@code write-amp}). They reach the engine by name and through its public API ({@code
 * LsmEngine}'s maintenance methods, {@code stats()}, the meter); the raw-RocksDB side builds its
 * options in {@link dev.strata.bench.baseline.LsmDefaultRocksOptions}.
 */
package dev.strata.bench.lsm;
