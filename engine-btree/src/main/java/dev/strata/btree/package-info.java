/**
 * The {@code btree} storage engine: a crash-safe, memory-mapped, copy-on-write B+tree page store
 * with one writer and lock-free snapshot readers (LMDB/bbolt style), allocating every page through
 * {@code dev.strata.freelist}. Start with {@link dev.strata.btree.BTreeEngine}; the file format is
 * described in {@code FORMAT.md} next to the module's pom.
 */
package dev.strata.btree;
