/**
 * The {@code strata-bench} runner: {@code compare} (every engine through the same phases, each in
 * its own forked JVM after untimed warm-up passes that end when the JIT settles; one table,
 * CSV/JSON/PNG), {@code scale} (latency, write amplification and memory against store size) and
 * {@code freelist-stall} (the etcd freelist experiment on the {@code btree} engine).
 *
 * <p>Engines are opened by name through {@link dev.strata.api.StorageEngines}, so every engine
 * module on the class path is measured, next to the {@code lmdb} and {@code rocksdb} baselines.
 */
package dev.strata.bench.runner;
