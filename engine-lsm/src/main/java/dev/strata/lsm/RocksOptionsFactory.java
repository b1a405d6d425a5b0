package dev.strata.lsm;

import dev.strata.api.Durability;
import java.util.List;
import org.rocksdb.AbstractEventListener;
import org.rocksdb.AbstractNativeReference;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.Cache;
import org.rocksdb.CompactionStyle;
import org.rocksdb.CompressionType;
import org.rocksdb.Filter;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.Statistics;
import org.rocksdb.WriteOptions;

/**
 * Builds every RocksDB option the engine uses, in one place, so the values documented in {@code
 * engine-lsm/README.md} (which the bench's raw-RocksDB baseline mirrors) are exactly the values set
 * here. RocksDB's own defaults moved between 8.x and 11.x (compression, cache type, table format
 * version, dynamic level sizing); every value that matters is therefore set explicitly rather than
 * inherited.
 *
 * <p>Block cache: an {@link LRUCache}, not a {@code HyperClockCache}. HyperClockCache wins when
 * many cores hit the cache at once; Strata targets small embedded deployments, the agreed bench
 * baseline uses LRU, and LRU reports an exact usage figure for {@code stats()}. The cache belongs
 * to this engine instance only.
 *
 * <p>Process-global effects: none are called on purpose ({@code setIncreaseParallelism} is not,
 * because it resizes the shared default {@code Env}). One is implicit in RocksDB: opening a
 * database raises the shared default {@code Env}'s flush and compaction thread pools to at least
 * what its {@code max_background_jobs} needs; RocksDB never shrinks them.
 */
final class RocksOptionsFactory {
  /**
   * Block-based table format version. 7 is the newest RocksDB 11 writes (RocksDB 10.x+ reads it);
   * it is also RocksDB 11's own default, set here so a future default change cannot alter files.
   */
  static final int TABLE_FORMAT_VERSION = 7;

  private RocksOptionsFactory() {}

  /**
   * Creates the native option objects of one engine instance. The caller owns the result and must
   * close it after the database.
   */
  static RocksResources create(
      LsmSettings settings, Durability durability, boolean createIfMissing) {
    RocksResources r = new RocksResources();
    try {
      // Owned by this instance: two engines in one process never share statistics or cache.
      r.statistics = new Statistics();
      r.cache = new LRUCache(settings.blockCacheBytes());
      r.filter =
          settings.bloomBitsPerKey() == 0 ? null : new BloomFilter(settings.bloomBitsPerKey());
      r.meterFeed = new MeterFeed(r.statistics);
      r.noAutoRecovery = new NoAutoRecovery();
      BlockBasedTableConfig table =
          new BlockBasedTableConfig().setBlockCache(r.cache).setFormatVersion(TABLE_FORMAT_VERSION);
      if (r.filter != null) {
        table.setFilterPolicy(r.filter);
      }
      r.options =
          new Options()
              .setCreateIfMissing(createIfMissing)
              .setStatistics(r.statistics)
              .setListeners(List.<AbstractEventListener>of(r.noAutoRecovery))
              // A background error stays set until reopen; see NoAutoRecovery for the hang this
              // prevents. 0 also stops the retry loop for errors RocksDB deems retryable.
              .setMaxBgErrorResumeCount(0)
              .setWriteBufferSize(settings.writeBufferBytes())
              .setMaxWriteBufferNumber(settings.maxWriteBuffers())
              .setCompressionType(compression(settings.compression()))
              .setCompactionStyle(compactionStyle(settings.compactionStyle()))
              .setLevelCompactionDynamicLevelBytes(true)
              .setMaxBackgroundJobs(settings.backgroundJobs())
              .setMaxOpenFiles(-1)
              .setTableFormatConfig(table);
      r.writeOptions = new WriteOptions().setSync(durability == Durability.SYNC);
      r.readOptions = new ReadOptions();
      return r;
    } catch (RuntimeException | Error e) {
      r.close();
      throw e;
    }
  }

  static CompressionType compression(String name) {
    switch (name) {
      case "none":
        return CompressionType.NO_COMPRESSION;
      case "snappy":
        return CompressionType.SNAPPY_COMPRESSION;
      case "lz4":
        return CompressionType.LZ4_COMPRESSION;
      case "zstd":
        return CompressionType.ZSTD_COMPRESSION;
      default:
        throw new IllegalArgumentException("unknown compression '" + name + "'");
    }
  }

  static CompactionStyle compactionStyle(String name) {
    switch (name) {
      case "level":
        return CompactionStyle.LEVEL;
      case "universal":
        return CompactionStyle.UNIVERSAL;
      case "fifo":
        return CompactionStyle.FIFO;
      default:
        throw new IllegalArgumentException("unknown compaction style '" + name + "'");
    }
  }

  /**
   * The native objects behind one database, freed in the reverse order of their creation. Not
   * thread-safe; the engine closes it once, after the database.
   */
  static final class RocksResources implements AutoCloseable {
    Statistics statistics;
    Cache cache;
    Filter filter;
    MeterFeed meterFeed;
    NoAutoRecovery noAutoRecovery;
    Options options;
    WriteOptions writeOptions;
    ReadOptions readOptions;

    @Override
    public void close() {
      closeQuietly(readOptions);
      closeQuietly(writeOptions);
      closeQuietly(options);
      if (meterFeed != null) {
        meterFeed.stop();
      }
      closeQuietly(noAutoRecovery);
      closeQuietly(filter);
      closeQuietly(cache);
      closeQuietly(statistics);
    }

    private static void closeQuietly(AbstractNativeReference c) {
      if (c != null) {
        c.close();
      }
    }
  }
}
