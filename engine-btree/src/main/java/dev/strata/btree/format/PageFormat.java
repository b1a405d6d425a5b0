package dev.strata.btree.format;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * The page header every page run starts with, and its checksum. See {@code FORMAT.md}.
 *
 * <pre>
 *  0 u32 CRC32C of bytes [4, used) of the run
 *  4 u8  page type
 *  5 u8  reserved (0)
 *  6 u16 reserved (0)
 *  8 u64 page id of the run's first page
 * 16 u32 element count
 * 20 u32 overflow: pages in the run after the first
 * 24 u32 used bytes of the run, header included
 * 28 u32 writer: txid of the commit that wrote the run, low 32 bits (0 in a meta page)
 * </pre>
 *
 * <p>The checksum covers the used bytes only, so reading a node costs a CRC of its content rather
 * than of the whole page; the unused tail is zero-filled on write and carries no meaning.
 */
public final class PageFormat {
  /** The store's one file, in its directory. */
  public static final String DATA_FILE = "data.btree";

  public static final int HEADER_SIZE = 32;

  public static final byte TYPE_META = 1;
  public static final byte TYPE_BRANCH = 2;
  public static final byte TYPE_LEAF = 3;
  public static final byte TYPE_OVERFLOW = 4;
  public static final byte TYPE_FREELIST = 5;
  public static final byte TYPE_FREELIST_DELTA = 6;

  /** The list of runs a one-sync commit wrote, with their checksums; format version 4. */
  public static final byte TYPE_COMMIT_RECORD = 7;

  public static final int OFF_CRC = 0;
  public static final int OFF_TYPE = 4;
  public static final int OFF_PGID = 8;
  public static final int OFF_COUNT = 16;
  public static final int OFF_OVERFLOW = 20;
  public static final int OFF_USED = 24;

  /**
   * A run's writer: the low 32 bits of the txid of the commit that wrote it (0 in meta pages and in
   * runs written before the field was set). See {@link #seal(ByteBuffer, long)}.
   */
  public static final int OFF_WRITER = 28;

  private PageFormat() {}

  /** A new zeroed, little-endian buffer of {@code pages} pages. */
  public static ByteBuffer allocate(int pageSize, int pages) {
    long bytes = (long) pageSize * pages;
    if (bytes > Integer.MAX_VALUE) {
      throw new IllegalStateException("a run of " + pages + " pages exceeds 2 GiB");
    }
    return ByteBuffer.allocate((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
  }

  /** Writes the header fields of a run at the start of {@code b}, all but the checksum. */
  public static void writeHeader(
      ByteBuffer b, byte type, long pgid, int count, int overflow, int used) {
    b.put(OFF_TYPE, type);
    b.put(OFF_TYPE + 1, (byte) 0);
    b.putShort(OFF_TYPE + 2, (short) 0);
    b.putLong(OFF_PGID, pgid);
    b.putInt(OFF_COUNT, count);
    b.putInt(OFF_OVERFLOW, overflow);
    b.putInt(OFF_USED, used);
    b.putInt(OFF_WRITER, 0);
  }

  /**
   * Stamps the writer's txid and seals a run built in {@code b}. The txid makes the checksums of
   * two runs written at one page by different commits differ even where their content cannot: a
   * CRC32C over bytes followed by their own CRC32C is the same for all bytes of one length, and a
   * run may end so (a serialized freelist does; a value may). A commit record tells a lost write
   * from the older run left on its page by the checksum alone.
   */
  public static void seal(ByteBuffer b, long writer) {
    b.putInt(OFF_WRITER, (int) writer);
    seal(b);
  }

  /** Computes and stores the checksum of a run built in {@code b} (position 0 is the header). */
  public static void seal(ByteBuffer b) {
    int used = b.getInt(OFF_USED);
    b.putInt(OFF_CRC, crc(b, 4, used));
  }

  /** CRC32C of {@code b[from, to)}; does not touch {@code b}'s position (safe for shared maps). */
  public static int crc(ByteBuffer b, int from, int to) {
    CRC32C crc = new CRC32C();
    ByteBuffer d = b.duplicate();
    d.limit(to).position(from);
    crc.update(d);
    return (int) crc.getValue();
  }

  /** Pages needed for {@code bytes} bytes. */
  public static int pagesFor(long bytes, int pageSize) {
    long pages = (bytes + pageSize - 1) / pageSize;
    if (pages > Integer.MAX_VALUE) {
      throw new IllegalStateException(bytes + " bytes need more than 2^31 pages");
    }
    return (int) Math.max(1, pages);
  }

  /** Whether {@code pageSize} is a page size a store may have: a power of two in 1024..65536. */
  public static boolean validPageSize(int pageSize) {
    return pageSize >= 1024 && pageSize <= 65536 && Integer.bitCount(pageSize) == 1;
  }

  /** A page type's name for error messages. */
  public static String typeName(int type) {
    switch (type) {
      case TYPE_META:
        return "meta";
      case TYPE_BRANCH:
        return "branch";
      case TYPE_LEAF:
        return "leaf";
      case TYPE_OVERFLOW:
        return "overflow";
      case TYPE_FREELIST:
        return "freelist";
      case TYPE_FREELIST_DELTA:
        return "freelist delta";
      case TYPE_COMMIT_RECORD:
        return "commit record";
      default:
        return "unknown type " + type;
    }
  }
}
