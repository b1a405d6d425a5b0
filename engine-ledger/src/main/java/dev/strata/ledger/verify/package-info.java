/**
 * The full integrity check behind {@code verifyIntegrity()} and {@code verify(digest)} ({@link
 * dev.strata.ledger.verify.IntegrityCheck}): a chain pass over the log on the calling thread, a
 * Merkle pass ({@link dev.strata.ledger.verify.MerklePass}) and an index pass ({@link
 * dev.strata.ledger.verify.IndexPass}) on one thread each, fed the canonical bytes by the chain
 * pass ({@link dev.strata.ledger.verify.CanonicalBytesFeed}). Owns no file and writes none: it
 * reads the segments, {@code merkle.chunks}, {@code merkle.nodes} and the in-memory index. The
 * passes take the parts they check, never the engine. Depends on {@code format}, {@code log},
 * {@code merkle}, {@code index} and {@code read}.
 *
 * <p>Internal to the engine: the module does not export this package.
 */
package dev.strata.ledger.verify;
