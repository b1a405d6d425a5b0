/**
 * {@code strata-bench etcd-stall}: the etcd freelist experiment against real etcd (bbolt with the
 * array and the map freelist) and strata-etcd on Strata's engines, over etcd's own gRPC API.
 */
package dev.strata.bench.etcd;
