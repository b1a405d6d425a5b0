/**
 * The log: the source of truth every other file is derived from.
 *
 * <p>On disk it owns the segment files {@code ledger-NNNNNNNNNN.seg} ({@link
 * dev.strata.ledger.log.SegmentLog}: a header, then CRC32C-framed entry and commit-marker records)
 * and {@code log.synced} ({@link dev.strata.ledger.log.SyncMark}: the position before which the log
 * is known synced, which tells a torn tail from damage).
 *
 * <p>Call order: open the segments, scan them ({@link dev.strata.ledger.log.LogScanner}, handing
 * out {@link dev.strata.ledger.log.StoredRecord} views) during recovery; then the writer appends
 * whole blocks and forces the last segment, readers read single records by position, and {@link
 * dev.strata.ledger.log.LogBackup} copies the immutable prefix. {@link
 * dev.strata.ledger.log.CommittedState} names a committed prefix of the log. Depends only on {@code
 * format}.
 *
 * <p>Internal to the engine: the module does not export this package.
 */
package dev.strata.ledger.log;
