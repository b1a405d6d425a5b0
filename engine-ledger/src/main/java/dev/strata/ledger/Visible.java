package dev.strata.ledger;

/**
 * A committed state of the ledger as readers see it: the first {@code size} entries, the chain head
 * after them, and the log positions of the last commit marker and of the byte after it. Immutable.
 */
record Visible(long size, byte[] chainHead, long markerPosition, long endPosition) {}
