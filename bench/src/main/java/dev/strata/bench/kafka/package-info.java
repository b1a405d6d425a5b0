/**
 * {@code strata-bench kafka-streams}: Kafka Streams key-value stores (Kafka's RocksDB and in-memory
 * stores, and Strata's on each engine) under one count-by-key workload, each store in its own child
 * JVM so heap and resident memory are the store's own.
 */
package dev.strata.bench.kafka;
