package dev.strata.btree.format;

import dev.strata.api.UnsupportedFormatException;
import java.nio.ByteBuffer;

/**
 * One of the two meta pages: the root of a committed state. Commits alternate between the two pages
 * so the last durable meta survives a torn meta write (see {@code MetaSelector}).
 *
 * <pre>
 *  32 u64 magic "STRBTREE"
 *  40 u32 format version
 *  44 u32 page size
 *  48 u64 root page
 *  56 u64 newest freelist run: snapshot or delta (0 = not stored; open walks the tree)
 *  64 u32 that run's length in pages
 *  68 u32 flags: bit 0 = written without a preceding sync (NO_SYNC), version 3; bit 1 = one-sync:
 *         written before the sync that also made the commit's runs durable, version 4
 *  72 u64 high-water mark: pages in use by the file, meta pages included
 *  80 u64 txid of the commit that wrote this meta
 *  88 u8[16] boot id of the system that wrote an unsynced meta (zero otherwise); version 3
 * 104 u64 first page of a one-sync meta's commit record (0 otherwise); version 4
 * 112 u32 the commit record's length in pages
 * 116 u32 the commit record's CRC32C (its header's checksum field)
 * </pre>
 *
 * @param pageSize page size in bytes
 * @param root first page of the root node's run
 * @param freelistPage first page of the newest stored freelist run (see {@code FreelistLog}), or 0
 *     when the freelist is not stored
 * @param freelistPages length of that run
 * @param highWater number of pages the committed state may use; every page id is below it
 * @param txid the commit number
 * @param recordPage first page of the commit record listing every run this commit wrote, for a meta
 *     written before the commit's only sync (see {@code CommitRecord}); 0 for a meta written after
 *     its commit's runs were synced
 * @param recordPages the commit record's length in pages (0 without one)
 * @param recordCrc the CRC32C the commit record's header carries (0 without one)
 */
public record Meta(
    int pageSize,
    long root,
    long freelistPage,
    int freelistPages,
    long highWater,
    long txid,
    long recordPage,
    int recordPages,
    int recordCrc) {
  public static final long MAGIC = 0x4545_5254_4252_5453L; // "STRBTREE" read little-endian

  /**
   * Version 2 added freelist delta runs, version 3 the unsynced flag and boot id, version 4 the
   * one-sync flag and the commit record; versions 2 and 3 are read (version 2 metas as synced
   * ones), version 1 files are refused, not converted.
   */
  public static final int FORMAT_VERSION = 4;

  private static final int OLDEST_READ_VERSION = 2;
  private static final int USED_V2 = 88;

  /** Bytes of the boot id an unsynced meta carries. */
  public static final int BOOT_ID_SIZE = 16;

  private static final int USED_V3 = USED_V2 + BOOT_ID_SIZE;
  private static final int OFF_RECORD = USED_V3;

  /** Used bytes of a meta page of the current version. */
  public static final int USED = OFF_RECORD + 16;

  private static final int FLAG_UNSYNCED = 1;
  private static final int FLAG_ONE_SYNC = 2;

  /** A meta without a commit record: its commit's runs were synced before it was written. */
  public Meta(
      int pageSize, long root, long freelistPage, int freelistPages, long highWater, long txid) {
    this(pageSize, root, freelistPage, freelistPages, highWater, txid, 0, 0, 0);
  }

  /** Whether this meta reached the disk in the same sync as its commit's runs (it has a record). */
  public boolean oneSync() {
    return recordPage != 0;
  }

  /**
   * A decoded meta page and how it was written.
   *
   * @param meta the committed state it roots
   * @param unsyncedBoot for a meta written without a preceding sync, the boot id of the system that
   *     wrote it; null for a meta whose pages were synced first, or that names a commit record
   */
  public record Page(Meta meta, byte[] unsyncedBoot) {}

  /**
   * Encodes this meta as page {@code pgid} (0 or 1) as a synced meta: one-sync when it names a
   * commit record.
   */
  public ByteBuffer encode(long pgid) {
    return encode(pgid, null);
  }

  /**
   * Encodes this meta as page {@code pgid} (0 or 1).
   *
   * @param unsyncedBoot the current boot id when the commit's pages were not synced first, or null
   * @throws IllegalArgumentException if an unsynced meta would name a commit record
   */
  public ByteBuffer encode(long pgid, byte[] unsyncedBoot) {
    if (unsyncedBoot != null && oneSync()) {
      throw new IllegalArgumentException("an unsynced meta names no commit record");
    }
    ByteBuffer b = PageFormat.allocate(pageSize, 1);
    PageFormat.writeHeader(b, PageFormat.TYPE_META, pgid, 0, 0, USED);
    b.putLong(32, MAGIC);
    b.putInt(40, FORMAT_VERSION);
    b.putInt(44, pageSize);
    b.putLong(48, root);
    b.putLong(56, freelistPage);
    b.putInt(64, freelistPages);
    b.putInt(68, unsyncedBoot != null ? FLAG_UNSYNCED : oneSync() ? FLAG_ONE_SYNC : 0);
    b.putLong(72, highWater);
    b.putLong(80, txid);
    if (unsyncedBoot != null) {
      b.put(USED_V2, unsyncedBoot);
    }
    b.putLong(OFF_RECORD, recordPage);
    b.putInt(OFF_RECORD + 8, recordPages);
    b.putInt(OFF_RECORD + 12, recordCrc);
    PageFormat.seal(b);
    return b;
  }

  /** {@link #decodePage} without how the page was written: for tests and tools. */
  public static Meta decode(ByteBuffer b, long pgid, String file) {
    Page p = decodePage(b, pgid, file);
    return p == null ? null : p.meta();
  }

  /**
   * Decodes a meta page, or returns null when it is not a valid meta (torn, rotted, never written):
   * the caller then falls back to the other meta page.
   *
   * @param b the page's bytes, position 0 at the page start, little-endian; every version keeps the
   *     header, magic and version where version 1 has them, and a checksum over {@code used} bytes
   * @param pgid the page the bytes came from (0 or 1)
   * @throws UnsupportedFormatException if the page is a well-formed meta of another format version
   */
  public static Page decodePage(ByteBuffer b, long pgid, String file) {
    if (b.limit() < USED || b.getLong(32) != MAGIC) {
      return null;
    }
    int used = b.getInt(PageFormat.OFF_USED);
    if (used < 48
        || used > b.limit()
        || PageFormat.crc(b, 4, used) != b.getInt(PageFormat.OFF_CRC)) {
      return null;
    }
    // Checked only once the checksum holds, so a rotted version field reads as damage.
    int version = b.getInt(40);
    if (version < OLDEST_READ_VERSION || version > FORMAT_VERSION) {
      throw new UnsupportedFormatException(
          file
              + ": meta page "
              + pgid
              + " has format version "
              + version
              + "; this engine reads versions "
              + OLDEST_READ_VERSION
              + " to "
              + FORMAT_VERSION
              + (version < OLDEST_READ_VERSION
                  ? " (older stores are not converted: copy the data into a new store with an"
                      + " engine of their version)"
                  : ""));
    }
    int flags = b.getInt(68);
    int allowedFlags =
        version == 2 ? 0 : version == 3 ? FLAG_UNSYNCED : FLAG_UNSYNCED | FLAG_ONE_SYNC;
    if (b.get(PageFormat.OFF_TYPE) != PageFormat.TYPE_META
        || b.getLong(PageFormat.OFF_PGID) != pgid
        || used != (version == 2 ? USED_V2 : version == 3 ? USED_V3 : USED)
        || (flags & ~allowedFlags) != 0
        || flags == (FLAG_UNSYNCED | FLAG_ONE_SYNC)) {
      return null;
    }
    int pageSize = b.getInt(44);
    boolean oneSync = (flags & FLAG_ONE_SYNC) != 0;
    if (!oneSync && version > 3 && (b.getLong(OFF_RECORD) != 0 || b.getLong(OFF_RECORD + 8) != 0)) {
      return null;
    }
    long recordPage = oneSync ? b.getLong(OFF_RECORD) : 0;
    int recordPages = oneSync ? b.getInt(OFF_RECORD + 8) : 0;
    int recordCrc = oneSync ? b.getInt(OFF_RECORD + 12) : 0;
    Meta m =
        new Meta(
            pageSize,
            b.getLong(48),
            b.getLong(56),
            b.getInt(64),
            b.getLong(72),
            b.getLong(80),
            recordPage,
            recordPages,
            recordCrc);
    if (!PageFormat.validPageSize(pageSize)
        || m.highWater < 3
        || m.root < 2
        || m.root >= m.highWater
        || m.freelistPage < 0
        || m.freelistPage >= m.highWater
        || m.txid < 0
        || oneSync
            && (recordPage < 2 || recordPages < 1 || recordPage > m.highWater - recordPages)) {
      return null;
    }
    byte[] boot = null;
    if ((flags & FLAG_UNSYNCED) != 0) {
      boot = new byte[BOOT_ID_SIZE];
      b.get(USED_V2, boot);
    }
    return new Page(m, boot);
  }
}
