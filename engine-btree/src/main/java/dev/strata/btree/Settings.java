package dev.strata.btree;

import dev.strata.api.Durability;
import dev.strata.api.EngineOptions;
import dev.strata.api.spi.SettingsReader;
import dev.strata.btree.format.PageFormat;
import dev.strata.freelist.Freelist;

/**
 * The {@code btree.*} settings, parsed and validated once on open.
 *
 * @param pageSize page size for a new store (an existing store keeps its own)
 * @param fillPercent the most of a page each part of a split of scattered inserts fills (0.1..1.0)
 * @param freelistKind the allocator
 * @param freelistSync whether commits store the freelist (otherwise open rebuilds it)
 * @param freelistLogPercent a commit writes a full freelist snapshot instead of a delta once the
 *     deltas since the last snapshot would pass this percentage of its pages (0: always)
 * @param mapChunkSize bytes per memory-mapped chunk
 * @param earlyWriteback whether syncing commits start their pages' write-back from a helper thread
 *     while still writing (used only under SYNC on a machine with more than one core)
 * @param commitSyncs syncs per {@code SYNC} commit: 1 (pages, commit record and meta in one sync,
 *     verified at open) or 2 (pages, then the meta)
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
    int commitSyncs,
    Durability durability,
    boolean readOnly,
    boolean createIfMissing) {
  static final int DEFAULT_PAGE_SIZE = 4096;
  static final int MIN_PAGE_SIZE = 1024;
  static final int MAX_PAGE_SIZE = 65536;
  static final long DEFAULT_MAP_CHUNK = 1L << 30;

  static Settings parse(EngineOptions options) {
    SettingsReader r =
        SettingsReader.forEngine(
            options,
            "btree",
            "pageSize",
            "fillPercent",
            "freelist",
            "freelistSync",
            "freelistLogPercent",
            "mapChunkSize",
            "earlyWriteback",
            "commitSyncs");
    return new Settings(
        (int) r.powerOfTwoValue("pageSize", DEFAULT_PAGE_SIZE, MIN_PAGE_SIZE, MAX_PAGE_SIZE),
        r.doubleValue("fillPercent", 1.0, 0.1, 1.0),
        r.enumValue("freelist", Freelist.Kind.HASH),
        r.booleanValue("freelistSync", true),
        r.intValue("freelistLogPercent", 100, 0, 1_000_000),
        r.powerOfTwoValue("mapChunkSize", DEFAULT_MAP_CHUNK, 65536, 1L << 30),
        r.booleanValue("earlyWriteback", true),
        r.intValue("commitSyncs", 1, 1, 2),
        options.durability(),
        options.readOnly(),
        options.createIfMissing());
  }

  static boolean validPageSize(int pageSize) {
    return PageFormat.validPageSize(pageSize);
  }
}
