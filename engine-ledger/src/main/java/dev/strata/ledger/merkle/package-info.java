/**
 * The Merkle tree over all entries, in the RFC 9162 shape, persisted as a Merkle mountain range.
 *
 * <p>On disk it owns {@code merkle.chunks} (per 16-leaf chunk, its end position in the log) and
 * {@code merkle.nodes} (the hashes of every complete aligned subtree of 16 or more leaves, in
 * post-order), both with a checksummed header and checksummed slots ({@link
 * dev.strata.ledger.merkle.MerkleSlots}). Both are derived from the log: open cuts them back to
 * what the log and the index checkpoint confirm and rebuilds the rest.
 *
 * <p>Call order: {@link dev.strata.ledger.merkle.MerkleStore#open} during recovery (it reads
 * missing chunks' leaves back from the log through its {@code ChunkReader}); then the writer adds
 * leaves, flushes and forces before each index checkpoint, while proofs read roots and paths
 * ({@link dev.strata.ledger.merkle.ProofPaths}, {@link dev.strata.ledger.merkle.MerkleMath}).
 * Depends on {@code format} and {@code log}.
 *
 * <p>Internal to the engine: the module does not export this package.
 */
package dev.strata.ledger.merkle;
