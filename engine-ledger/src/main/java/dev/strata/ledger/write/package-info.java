/**
 * The write path: a write transaction's pending writes become an {@link
 * dev.strata.ledger.write.EncodedBlock} (entries in key order plus a commit marker), which {@link
 * dev.strata.ledger.write.LedgerWriter} appends to the log, feeds to the Merkle store (its leaves
 * hashed on a {@link dev.strata.ledger.write.BackgroundWorker} for large commits) and to the index,
 * and hands to the {@link dev.strata.ledger.write.CommitPipeline}, which groups syncs and publishes
 * commits to readers in order once durable. It writes index checkpoints and puts the engine in its
 * failed state after an I/O error. Owns no file of its own: it appends to the segments, the Merkle
 * files, {@code log.synced} and {@code index.checkpoint} through their owners. Depends on {@code
 * format}, {@code log}, {@code merkle}, {@code index} and {@code recovery} (whose result it starts
 * from).
 *
 * <p>Internal to the engine: the module does not export this package.
 */
package dev.strata.ledger.write;
