/**
 * {@code strata-bench btree}: the btree engine's own measurements ({@link
 * dev.strata.bench.btree.BTreeCommand}), against LMDB in the same JVM run and on fragmented
 * freelists. What they read of the engine beyond its public API goes through the engine's internal
 * {@code dev.strata.btree.internal.Diagnostics} hook.
 */
package dev.strata.bench.btree;
