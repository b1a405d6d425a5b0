package dev.strata.ledger.log;

/**
 * A committed state of the ledger as readers see it: the first {@code size} entries, the chain head
 * after them, and the log positions of the last commit marker and of the byte after it. Immutable.
 */
public record CommittedState(long size, byte[] chainHead, long markerPosition, long endPosition) {}
