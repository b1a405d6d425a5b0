package dev.strata.btree;

import dev.strata.api.Durability;
import dev.strata.api.EngineOptions;
import dev.strata.btree.format.PageFormat;
import dev.strata.freelist.Freelist;
import java.util.Set;

/**
 * The {@code btree.*} settings, parsed and validated once on open.
 *
 * @param pageSize page size for a new store (an existing store keeps its own)
 * @param fillPercent how full a split leaves the left pages (0.1..1.0)
 * @param freelistKind the allocator
 * @param freelistSync whether commits store the freelist (otherwise open rebuilds it)
 * @param freelistLogPercent a commit writes a full freelist snapshot instead of a delta once the
 *     deltas since the last snapshot would pass this percentage of its pages (0: always)
 * @param mapChunkSize bytes per memory-mapped chunk
 * @param earlyWriteback whether syncing commits start their pages' write-back from a helper thread
 *     while still writing (used only under SYNC on a machine with more than one core)
 * @param durability whether commits force the file
 * @param readOnly whether writes are refused
 * @param createIfMissing whether a missing store is created
 */
record Settings(
    int pageSize,
    double fillPercent,
    Freelist.Kind freelistKind,
    boolean freelistSync,
    int freelistLogPercent,
    long mapChunkSize,
    boolean earlyWriteback,
    Durability durability,
    boolean readOnly,
    boolean createIfMissing) {
  static final String PAGE_SIZE = "btree.pageSize";
  static final String FILL_PERCENT = "btree.fillPercent";
  static final String FREELIST = "btree.freelist";
  static final String FREELIST_SYNC = "btree.freelistSync";
  static final String FREELIST_LOG_PERCENT = "btree.freelistLogPercent";
  static final String MAP_CHUNK_SIZE = "btree.mapChunkSize";
  static final String EARLY_WRITEBACK = "btree.earlyWriteback";
  static final Set<String> KNOWN =
      Set.of(
          PAGE_SIZE,
          FILL_PERCENT,
          FREELIST,
          FREELIST_SYNC,
          FREELIST_LOG_PERCENT,
          MAP_CHUNK_SIZE,
          EARLY_WRITEBACK);

  static final int DEFAULT_PAGE_SIZE = 4096;
  static final long DEFAULT_MAP_CHUNK = 1L << 30;

  static Settings parse(EngineOptions options) {
    options.requireKnownSettings("btree.", KNOWN);
    int pageSize = options.intSetting(PAGE_SIZE, DEFAULT_PAGE_SIZE, 1024, 65536);
    if (!validPageSize(pageSize)) {
      throw new IllegalArgumentException(
          "setting '" + PAGE_SIZE + "' must be a power of two in [1024, 65536], got " + pageSize);
    }
    double fill = options.doubleSetting(FILL_PERCENT, 0.5, 0.1, 1.0);
    String kind = options.choiceSetting(FREELIST, "hash", Set.of("hash", "array"));
    boolean sync = options.booleanSetting(FREELIST_SYNC, true);
    int logPercent = options.intSetting(FREELIST_LOG_PERCENT, 100, 0, 1_000_000);
    long chunk = options.longSetting(MAP_CHUNK_SIZE, DEFAULT_MAP_CHUNK, 65536, 1L << 30);
    if (Long.bitCount(chunk) != 1) {
      throw new IllegalArgumentException(
          "setting '" + MAP_CHUNK_SIZE + "' must be a power of two in [64KiB, 1GiB], got " + chunk);
    }
    return new Settings(
        pageSize,
        fill,
        kind.equals("hash") ? Freelist.Kind.HASH : Freelist.Kind.ARRAY,
        sync,
        logPercent,
        chunk,
        options.booleanSetting(EARLY_WRITEBACK, true),
        options.durability(),
        options.readOnly(),
        options.createIfMissing());
  }

  static boolean validPageSize(int pageSize) {
    return PageFormat.validPageSize(pageSize);
  }
}
