package dev.strata.bench.baseline;

import dev.strata.api.Durability;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.CompactionStyle;
import org.rocksdb.CompressionType;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.Statistics;
import org.rocksdb.WriteOptions;

/**
 * RocksDB options equal to the {@code lsm} engine's defaults, built here from the table "Every
 * RocksDB option the engine sets" in {@code engine-lsm/README.md} rather than taken from the
 * engine, so a raw-RocksDB baseline never reaches into the engine's internals: LRU block cache 64
 * MiB, write buffer 64 MiB, LZ4, level compaction with dynamic level bytes, full bloom filter of 10
 * bits per key, 2 background jobs, {@code max_open_files = -1}, table format version 7, a {@link
 * Statistics} object of its own, {@code sync} per {@link Durability}, default {@link ReadOptions}.
 *
 * <p>Left out, as the engine's README allows: the engine's listener that turns RocksDB's automatic
 * error recovery off and {@code max_bgerror_resume_count = 0}; neither changes anything until a
 * background error, which a benchmark does not provoke. Comparisons therefore measure the same
 * RocksDB configuration on both sides.
 *
 * <p>Owns its native objects: close it after the database that uses them. Not thread-safe to close;
 * the option objects themselves may be shared by the threads using one database.
 */
public final class LsmDefaultRocksOptions implements AutoCloseable {
  private static final long MIB = 1L << 20;

  /** The lsm engine's default {@code lsm.blockCacheBytes}. */
  public static final long BLOCK_CACHE_BYTES = 64 * MIB;

  /** The lsm engine's default {@code lsm.writeBufferBytes}. */
  public static final long WRITE_BUFFER_BYTES = 64 * MIB;

  /** The lsm engine's default {@code lsm.bloomBitsPerKey}. */
  public static final int BLOOM_BITS_PER_KEY = 10;

  /** The lsm engine's default {@code lsm.backgroundJobs}. */
  public static final int BACKGROUND_JOBS = 2;

  /** The block-based table format the lsm engine pins (RocksDB 11's own default). */
  public static final int TABLE_FORMAT_VERSION = 7;

  private final LRUCache cache;
  private final BloomFilter bloom;
  private final Statistics statistics;
  private final Options options;
  private final WriteOptions writeOptions;
  private final ReadOptions readOptions;

  /**
   * Builds the options.
   *
   * @param durability {@code SYNC} syncs the WAL on every write, {@code NO_SYNC} only writes it
   */
  public LsmDefaultRocksOptions(Durability durability) {
    cache = new LRUCache(BLOCK_CACHE_BYTES);
    bloom = new BloomFilter(BLOOM_BITS_PER_KEY, false);
    statistics = new Statistics();
    options =
        new Options()
            .setCreateIfMissing(true)
            .setWriteBufferSize(WRITE_BUFFER_BYTES)
            .setCompressionType(CompressionType.LZ4_COMPRESSION)
            .setCompactionStyle(CompactionStyle.LEVEL)
            .setLevelCompactionDynamicLevelBytes(true)
            .setMaxBackgroundJobs(BACKGROUND_JOBS)
            .setMaxOpenFiles(-1)
            .setStatistics(statistics)
            .setTableFormatConfig(
                new BlockBasedTableConfig()
                    .setBlockCache(cache)
                    .setFilterPolicy(bloom)
                    .setFormatVersion(TABLE_FORMAT_VERSION));
    writeOptions = new WriteOptions().setSync(durability == Durability.SYNC);
    readOptions = new ReadOptions();
  }

  /**
   * Returns the database options.
   *
   * @return the options, owned by this object
   */
  public Options options() {
    return options;
  }

  /**
   * Returns the write options ({@code sync} per the durability given).
   *
   * @return the write options, owned by this object
   */
  public WriteOptions writeOptions() {
    return writeOptions;
  }

  /**
   * Returns default read options (no snapshot).
   *
   * @return the read options, owned by this object
   */
  public ReadOptions readOptions() {
    return readOptions;
  }

  /**
   * Returns the statistics the database reports its tickers to.
   *
   * @return the statistics, owned by this object
   */
  public Statistics statistics() {
    return statistics;
  }

  /** Frees the native objects; call once, after the database is closed. */
  @Override
  public void close() {
    readOptions.close();
    writeOptions.close();
    options.close();
    statistics.close();
    bloom.close();
    cache.close();
  }
}
