package dev.strata.lsm;

import dev.strata.api.WriteAmplificationMeter;
import org.rocksdb.AbstractEventListener;
import org.rocksdb.CompactionJobInfo;
import org.rocksdb.FlushJobInfo;
import org.rocksdb.RocksDB;
import org.rocksdb.Statistics;
import org.rocksdb.TickerType;

/**
 * Feeds one engine's {@link WriteAmplificationMeter} from the engine's own RocksDB {@link
 * Statistics}: physical bytes are {@code WAL_FILE_BYTES + FLUSH_WRITE_BYTES + COMPACT_WRITE_BYTES},
 * syncs are {@code WAL_FILE_SYNCED}.
 *
 * <p>The meter is a plain counter that cannot pull, so this class pushes the growth of the tickers
 * into it: after every commit (WAL bytes), when RocksDB reports a finished flush or compaction
 * (RocksDB records those tickers before it notifies listeners), and whenever the engine hands out
 * the meter. A reader of the meter therefore always sees every background write that has finished.
 * {@code BYTES_WRITTEN} is deliberately not used: it counts write-batch framing, not what the user
 * asked to store, and not what reached the files.
 *
 * <p>Thread-safe: RocksDB calls the listener on its background threads.
 */
final class MeterFeed extends AbstractEventListener {
  private final Statistics statistics;
  private final WriteAmplificationMeter meter;
  private long physicalSeen;
  private long syncsSeen;
  private boolean stopped;

  MeterFeed(Statistics statistics, WriteAmplificationMeter meter) {
    super(EnabledEventCallback.ON_FLUSH_COMPLETED, EnabledEventCallback.ON_COMPACTION_COMPLETED);
    this.statistics = statistics;
    this.meter = meter;
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
    long syncs = statistics.getTickerCount(TickerType.WAL_FILE_SYNCED);
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
   * is freed, so no later call touches freed native memory.
   */
  synchronized void stop() {
    refresh();
    stopped = true;
  }

  @Override
  public void onFlushCompleted(RocksDB db, FlushJobInfo info) {
    refresh();
  }

  @Override
  public void onCompactionCompleted(RocksDB db, CompactionJobInfo info) {
    refresh();
  }
}
