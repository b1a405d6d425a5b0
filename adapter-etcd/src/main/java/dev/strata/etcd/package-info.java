/**
 * Strata as an etcd v3 server. {@link dev.strata.etcd.EtcdServer} serves etcd's gRPC API (KV,
 * Watch, Lease, Lock, Election, Maintenance {@code Status}) over any Strata engine opened by name;
 * {@link dev.strata.etcd.StrataEtcd} is its command line. The multi-version store (revisions,
 * versions, tombstones, compaction, leases) lives in the engine, so a restart resumes at the same
 * revision.
 */
package dev.strata.etcd;
