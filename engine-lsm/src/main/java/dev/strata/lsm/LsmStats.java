package dev.strata.lsm;

import dev.strata.lsm.RocksOptionsFactory.RocksResources;
import java.util.LinkedHashMap;
import java.util.Map;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.TickerType;

/** Gathers {@link LsmEngine#stats()} from RocksDB properties and this instance's tickers. */
final class LsmStats {
  /** RocksDB's default {@code num_levels}; every compaction style here keeps it. */
  static final int LEVELS = 7;

  /** The key of RocksDB's cumulative write amplification in the {@code rocksdb.cfstats} map. */
  static final String CFSTATS_WRITE_AMP = "compaction.Sum.WriteAmp";

  private LsmStats() {}

  static Map<String, Number> collect(RocksDB db, RocksResources resources, int openTransactions)
      throws RocksDBException {
    Map<String, Number> stats = new LinkedHashMap<>();
    stats.put("estimatedKeys", db.getLongProperty("rocksdb.estimate-num-keys"));
    stats.put("liveSstBytes", db.getLongProperty("rocksdb.live-sst-files-size"));
    stats.put("memtableBytes", db.getLongProperty("rocksdb.cur-size-all-mem-tables"));
    stats.put(
        "pendingCompactionBytes", db.getLongProperty("rocksdb.estimate-pending-compaction-bytes"));
    for (int level = 0; level < LEVELS; level++) {
      stats.put(
          "filesAtLevel" + level,
          Long.parseLong(db.getProperty("rocksdb.num-files-at-level" + level).trim()));
    }
    stats.put("rocksdbWriteAmp", rocksdbWriteAmp(db));
    stats.put("blockCacheUsageBytes", resources.cache.getUsage());
    stats.put("walBytes", resources.statistics.getTickerCount(TickerType.WAL_FILE_BYTES));
    stats.put("flushBytes", resources.statistics.getTickerCount(TickerType.FLUSH_WRITE_BYTES));
    stats.put(
        "compactionBytes", resources.statistics.getTickerCount(TickerType.COMPACT_WRITE_BYTES));
    stats.put("openTransactions", openTransactions);
    stats.put("runningBackgroundJobs", runningBackgroundJobs(db));
    stats.put("pendingBackgroundJobs", pendingBackgroundJobs(db));
    return Map.copyOf(stats);
  }

  /** Flushes plus compactions running now. */
  static long runningBackgroundJobs(RocksDB db) throws RocksDBException {
    return db.getLongProperty("rocksdb.num-running-flushes")
        + db.getLongProperty("rocksdb.num-running-compactions");
  }

  /** 0, 1 or 2: whether a memtable flush and whether a compaction are waiting to be scheduled. */
  static long pendingBackgroundJobs(RocksDB db) throws RocksDBException {
    return db.getLongProperty("rocksdb.mem-table-flush-pending")
        + db.getLongProperty("rocksdb.compaction-pending");
  }

  /**
   * RocksDB's own cumulative write amplification: bytes written by flush and compaction divided by
   * bytes flushed (so it excludes the WAL, which the Strata meter includes).
   */
  static double rocksdbWriteAmp(RocksDB db) throws RocksDBException {
    Map<String, String> cfstats = db.getMapProperty("rocksdb.cfstats");
    String value = cfstats.get(CFSTATS_WRITE_AMP);
    if (value == null) {
      return Double.NaN;
    }
    try {
      return Double.parseDouble(value);
    } catch (NumberFormatException e) {
      return Double.NaN;
    }
  }
}
