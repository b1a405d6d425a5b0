/**
 * Baseline engines measured in the same JVM as Strata's own: {@code lmdb} (LMDB through lmdbjava)
 * and {@code rocksdb} (raw rocksdbjni calls with the options of the {@code lsm} engine). Both
 * implement {@link dev.strata.api.StorageEngine} and register a {@link
 * dev.strata.api.StorageEngineProvider}, so {@code StorageEngines.open("lmdb", dir, options)} works
 * wherever this module is on the class path.
 *
 * <p>They exist to measure the raw cost of the underlying library, so they take shortcuts a Strata
 * engine may not; each engine's javadoc lists them. Do not store data you care about in them.
 */
package dev.strata.bench.baseline;
