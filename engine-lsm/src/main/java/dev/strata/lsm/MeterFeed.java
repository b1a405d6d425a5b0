package dev.strata.lsm;

import dev.strata.api.WriteAmplificationMeter;
import org.rocksdb.HistogramType;
import org.rocksdb.Statistics;
import org.rocksdb.TickerType;

/**
 * Owns one engine's {@link WriteAmplificationMeter} and feeds it from the engine's own RocksDB
 * {@link Statistics}: physical bytes are {@code WAL_FILE_BYTES + FLUSH_WRITE_BYTES +
 * COMPACT_WRITE_BYTES}; syncs are {@code WAL_FILE_SYNCED} plus the number of timed syncs of table
 * files written by flushes and compactions and of the MANIFEST ({@code TABLE_SYNC_MICROS}, {@code
 * COMPACTION_OUTFILE_SYNC_MICROS}, {@code MANIFEST_FILE_SYNC_MICROS}). RocksDB keeps no count of
 * its directory syncs, so those, like the once-per-store sync of Strata's marker file, are not in
 * it.
 *
 * <p>The tickers move on RocksDB's threads (WAL writes, background flushes and compactions), so the
 * meter is built with {@link #refresh()} as its refresh hook: every reading first moves what the
 * tickers gained into the meter. A reading therefore includes every write RocksDB has finished, and
 * neither the commit path nor RocksDB's background threads pay for keeping the meter current.
 * {@code BYTES_WRITTEN} is deliberately not used: it counts write-batch framing, not what the user
 * asked to store, and not what reached the files.
 *
 * <p>Thread-safe.
 */
final class MeterFeed {
  private final Statistics statistics;
  private final WriteAmplificationMeter meter;
  private long physicalSeen;
  private long syncsSeen;
  private boolean stopped;

  MeterFeed(Statistics statistics) {
    this.statistics = statistics;
    this.meter = new WriteAmplificationMeter(this::refresh);
  }

  WriteAmplificationMeter meter() {
    return meter;
  }

  /** Moves whatever the tickers gained since the last call into the meter. */
  synchronized void refresh() {
    if (stopped) {
      return;
    }
    long physical =
        statistics.getTickerCount(TickerType.WAL_FILE_BYTES)
            + statistics.getTickerCount(TickerType.FLUSH_WRITE_BYTES)
            + statistics.getTickerCount(TickerType.COMPACT_WRITE_BYTES);
    long syncs =
        statistics.getTickerCount(TickerType.WAL_FILE_SYNCED)
            + statistics.getHistogramData(HistogramType.TABLE_SYNC_MICROS).getCount()
            + statistics.getHistogramData(HistogramType.COMPACTION_OUTFILE_SYNC_MICROS).getCount()
            + statistics.getHistogramData(HistogramType.MANIFEST_FILE_SYNC_MICROS).getCount();
    if (physical > physicalSeen) {
      meter.addPhysical(physical - physicalSeen);
      physicalSeen = physical;
    }
    if (syncs > syncsSeen) {
      meter.addSyncs(syncs - syncsSeen);
      syncsSeen = syncs;
    }
  }

  /**
   * Takes a last reading and stops; called after the database closed and before {@link Statistics}
   * is freed, so no later reading of the meter touches freed native memory.
   */
  synchronized void stop() {
    refresh();
    stopped = true;
  }
}
