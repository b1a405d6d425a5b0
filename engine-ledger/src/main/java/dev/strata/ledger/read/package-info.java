/**
 * The read path: point reads and range iteration through the index, snapshot resolution through the
 * entries' {@code prevSeq} links, a key's version chain, and locating an entry by sequence number
 * from its Merkle chunk ({@link dev.strata.ledger.read.LedgerReader}). Owns no file: it reads the
 * log, the Merkle chunk positions and the index. Depends on {@code format}, {@code log}, {@code
 * merkle} and {@code index}.
 *
 * <p>Internal to the engine: the module does not export this package.
 */
package dev.strata.ledger.read;
