package dev.strata.ledger;

/**
 * One version of a key in the ledger's history, as returned by {@link LedgerEngine#history}. Fetch
 * the value with {@link LedgerEngine#entry(long)} or {@link LedgerEngine#getAt}.
 *
 * @param seq the entry's sequence number
 * @param timestamp the commit time, microseconds since the epoch
 * @param txnId the id of the transaction that wrote it
 * @param operation whether the key was set or deleted
 */
public record KeyVersion(long seq, long timestamp, long txnId, Operation operation) {}
