/**
 * {@code strata-bench raft}: the {@code raft} engine's commit throughput and latency, reads and
 * snapshot install on a three-replica group over loopback, against the single-node engine measured
 * in the same run.
 */
package dev.strata.bench.raft;
