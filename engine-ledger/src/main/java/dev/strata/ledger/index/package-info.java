/**
 * The key index: every key to its latest entry (sequence number, log position, tombstone).
 *
 * <p>On disk it owns {@code index.checkpoint} ({@link dev.strata.ledger.index.IndexCheckpoint}):
 * the whole index bound to one commit by the ledger size, the commit marker's position and the
 * chain head there, written to a temporary file, forced and renamed. In memory: {@link
 * dev.strata.ledger.index.KeyIndex} (keys in parallel arrays), {@link
 * dev.strata.ledger.index.KeyHashTable} for point lookups and {@link
 * dev.strata.ledger.index.KeyOrder} for ordered scans.
 *
 * <p>Call order: recovery loads the checkpoint and replays the log after it into the index; then
 * the writer updates it once per commit before publishing the commit, and writes a new checkpoint
 * every so often and at close. One writer, lock-free readers. Depends only on {@code format}.
 *
 * <p>Internal to the engine: the module does not export this package.
 */
package dev.strata.ledger.index;
