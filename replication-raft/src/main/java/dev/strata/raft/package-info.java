/**
 * The {@code raft} engine: any Strata engine replicated over an Apache Ratis group. Open a replica
 * with {@code StorageEngines.open("raft", dir, options)}; {@link dev.strata.raft.RaftEngine} states
 * the options and what changes against a single-node engine (writes on the leader, linearizable
 * reads, leadership loss, what the introspection calls cover).
 */
package dev.strata.raft;
