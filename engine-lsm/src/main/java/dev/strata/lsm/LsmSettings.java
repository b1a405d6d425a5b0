package dev.strata.lsm;

import dev.strata.api.EngineOptions;
import dev.strata.api.spi.SettingsReader;
import java.util.Set;

/**
 * The {@code lsm.*} settings, parsed and range-checked once on open. Every value a user can change
 * lives here with its default; {@link RocksOptionsFactory} turns them into RocksDB options.
 *
 * @param blockCacheBytes capacity of the block cache (uncompressed data, index and filter blocks)
 * @param writeBufferBytes size of one memtable before it is sealed and flushed
 * @param maxWriteBuffers memtables (the active one plus sealed ones waiting for their flush) before
 *     writes stall
 * @param compression {@code none}, {@code snappy}, {@code lz4} or {@code zstd}
 * @param compactionStyle {@code level}, {@code universal} or {@code fifo}
 * @param bloomBitsPerKey bloom filter bits per key; 0 writes no filter
 * @param backgroundJobs flush plus compaction threads of this database
 */
record LsmSettings(
    long blockCacheBytes,
    long writeBufferBytes,
    int maxWriteBuffers,
    String compression,
    String compactionStyle,
    int bloomBitsPerKey,
    int backgroundJobs) {

  static final long MIB = 1L << 20;
  static final long DEFAULT_BLOCK_CACHE_BYTES = 64 * MIB;
  static final long DEFAULT_WRITE_BUFFER_BYTES = 64 * MIB;
  static final int DEFAULT_MAX_WRITE_BUFFERS = 2;
  static final String DEFAULT_COMPRESSION = "lz4";
  static final String DEFAULT_COMPACTION_STYLE = "level";
  static final int DEFAULT_BLOOM_BITS_PER_KEY = 10;
  static final int DEFAULT_BACKGROUND_JOBS = 2;

  /**
   * The smallest cache and memtable accepted: below 1 MiB RocksDB thrashes (a memtable flushes
   * every few hundred writes) and that is almost always a unit mistake (bytes for KiB).
   */
  static final long MIN_MEMORY_BYTES = MIB;

  /** The largest: RocksDB takes size_t, but 1 TiB already exceeds any machine this runs on. */
  static final long MAX_MEMORY_BYTES = 1L << 40;

  /** RocksDB's own ceiling is far higher; past a few dozen memtables only memory grows. */
  static final int MAX_WRITE_BUFFERS = 64;

  /** Past ~24 bits per key a bloom filter's false-positive rate stops improving measurably. */
  static final int MAX_BLOOM_BITS_PER_KEY = 64;

  /** RocksDB caps background threads per pool far above this; more than 256 is a mistake. */
  static final int MAX_BACKGROUND_JOBS = 256;

  static final Set<String> COMPRESSIONS = Set.of("none", "snappy", "lz4", "zstd");
  static final Set<String> COMPACTION_STYLES = Set.of("level", "universal", "fifo");

  /**
   * Reads and validates every {@code lsm.*} setting.
   *
   * @throws IllegalArgumentException naming the setting and its accepted values, for an unknown key
   *     under {@code lsm.} or a malformed or out-of-range value
   */
  static LsmSettings from(EngineOptions options) {
    SettingsReader r =
        SettingsReader.forEngine(
            options,
            "lsm",
            "blockCacheBytes",
            "writeBufferBytes",
            "maxWriteBuffers",
            "compression",
            "compactionStyle",
            "bloomBitsPerKey",
            "backgroundJobs");
    return new LsmSettings(
        r.longValue(
            "blockCacheBytes", DEFAULT_BLOCK_CACHE_BYTES, MIN_MEMORY_BYTES, MAX_MEMORY_BYTES),
        r.longValue(
            "writeBufferBytes", DEFAULT_WRITE_BUFFER_BYTES, MIN_MEMORY_BYTES, MAX_MEMORY_BYTES),
        r.intValue("maxWriteBuffers", DEFAULT_MAX_WRITE_BUFFERS, 2, MAX_WRITE_BUFFERS),
        r.choiceValue("compression", DEFAULT_COMPRESSION, COMPRESSIONS),
        r.choiceValue("compactionStyle", DEFAULT_COMPACTION_STYLE, COMPACTION_STYLES),
        r.intValue("bloomBitsPerKey", DEFAULT_BLOOM_BITS_PER_KEY, 0, MAX_BLOOM_BITS_PER_KEY),
        r.intValue("backgroundJobs", DEFAULT_BACKGROUND_JOBS, 1, MAX_BACKGROUND_JOBS));
  }
}
