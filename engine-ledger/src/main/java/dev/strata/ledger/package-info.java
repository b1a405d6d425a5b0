/**
 * The {@code ledger} storage engine: every committed write is appended to hash-chained segment
 * files and never overwritten; a Merkle tree over all entries (RFC 9162 shape) lets a client that
 * holds only a {@link dev.strata.ledger.LedgerDigest} check inclusion and consistency proofs with
 * {@link dev.strata.ledger.LedgerProofs}, without trusting the store.
 *
 * <p>Open it by name ({@code StorageEngines.open("ledger", dir)}) and cast to {@link
 * dev.strata.ledger.LedgerEngine}, or call {@link dev.strata.ledger.LedgerEngine#open}. The file
 * format is described in {@code engine-ledger/FORMAT.md}.
 *
 * <p>This package is the public API (the engine, its provider, digests, proofs, entries and the
 * engine-free {@link dev.strata.ledger.LedgerProofs}). The machinery lives in packages the module
 * does not export, one per subsystem, with no cycles between them: {@code format} (byte layouts and
 * hashes), {@code log} (segment files, sync mark), {@code merkle} (Merkle files and proofs), {@code
 * index} (key index and its checkpoint), {@code read}, {@code write}, {@code recovery} (open) and
 * {@code verify} (the integrity check).
 */
package dev.strata.ledger;
