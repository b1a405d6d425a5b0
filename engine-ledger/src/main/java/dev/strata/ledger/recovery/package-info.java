/**
 * Opening a ledger directory ({@link dev.strata.ledger.recovery.OpenedLedger}): create and lock it,
 * then {@link dev.strata.ledger.recovery.Recovery} loads the index checkpoint, checks that the log
 * still holds the commit it is bound to, replays the log after it, re-derives the Merkle chunks the
 * derived files lack and cuts a torn tail past the sync mark. Owns no file of its own; it is the
 * one place that cuts the log ({@code ledger-*.seg}) and rewrites {@code log.synced}. Runs once,
 * before the engine exists. Depends on {@code format}, {@code log}, {@code merkle}, {@code index}
 * and {@code read}.
 *
 * <p>Internal to the engine: the module does not export this package.
 */
package dev.strata.ledger.recovery;
