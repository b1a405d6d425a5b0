/**
 * The byte layouts and hashes of {@code engine-ledger/FORMAT.md} that every subsystem shares:
 * {@link dev.strata.ledger.format.RecordFormat} (stored records, canonical bytes, CRC32C), {@link
 * dev.strata.ledger.format.LedgerHashes} (SHA-256 with the RFC 9162 domain separation) and {@link
 * dev.strata.ledger.format.FileReads}. Owns no file; depends on no other ledger package.
 *
 * <p>Internal to the engine: the module does not export this package.
 */
package dev.strata.ledger.format;
