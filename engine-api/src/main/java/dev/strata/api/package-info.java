/**
 * The Strata contract: one small key-value interface that every backend keeps.
 *
 * <p>Start with {@link dev.strata.api.StorageEngines}, which opens an engine by name ({@code
 * "btree"}, {@code "lsm"}, {@code "ledger"}, {@code "memory"}), and {@link
 * dev.strata.api.StorageEngine}, which documents order, isolation, concurrency, durability, closing
 * and array ownership. Transactions are {@link dev.strata.api.ReadTxn} (a snapshot) and {@link
 * dev.strata.api.WriteTxn} (serial, read-your-own-writes); {@link dev.strata.api.Cursor} walks a
 * {@link dev.strata.api.KeyRange}. Every engine feeds a {@link
 * dev.strata.api.WriteAmplificationMeter} so engines can be compared on one workload.
 *
 * <p>Errors: null arguments throw {@link java.lang.NullPointerException} naming the parameter;
 * values outside {@link dev.strata.api.Limits} or bad options throw {@link
 * java.lang.IllegalArgumentException} naming the limit; everything else is a {@link
 * dev.strata.api.StorageException}.
 */
package dev.strata.api;
