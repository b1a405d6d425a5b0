package dev.strata.freelist;

import dev.strata.freelist.FreelistFormatException.Reason;
import it.unimi.dsi.fastutil.longs.LongArrayList;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * The serialized form described on {@link Freelist}: header, 12-byte run entries, CRC32C trailer.
 * Fixed-width entries keep {@link Freelist#serializedSize()} a count times a constant and make it
 * monotone under allocation (an allocation removes or shortens a run, never adds one).
 */
final class FreelistFormat {
  static final int MAGIC = 0x4C46_5453; // "STFL" as little-endian bytes
  static final int VERSION = 1;
  static final int HEADER_BYTES = 24;
  static final int ENTRY_BYTES = 12;
  static final int TRAILER_BYTES = 4;
  static final long MAX_ENTRY_PAGES = 0xFFFF_FFFFL;

  private FreelistFormat() {}

  /** Returns how many entries a run of {@code length} pages takes. */
  static long entriesFor(long length) {
    return (length - 1) / MAX_ENTRY_PAGES + 1;
  }

  static int size(long entries) {
    long bytes = HEADER_BYTES + entries * ENTRY_BYTES + TRAILER_BYTES;
    if (entries > (Integer.MAX_VALUE - HEADER_BYTES - TRAILER_BYTES) / ENTRY_BYTES) {
      throw new IllegalStateException(
          "freelist of " + entries + " runs needs " + bytes + " bytes, over the 2 GiB limit");
    }
    return (int) bytes;
  }

  /**
   * Writes the union of two sorted, disjoint run lists, given as (start, length) pairs, at {@code
   * target}'s position and advances it.
   */
  static void write(ByteBuffer target, LongArrayList free, LongArrayList pending, long entries) {
    int size = size(entries);
    if (target.remaining() < size) {
      throw new IllegalArgumentException(
          "freelist needs " + size + " bytes but the buffer has " + target.remaining());
    }
    ByteBuffer out = target.slice(target.position(), size).order(ByteOrder.LITTLE_ENDIAN);
    out.putInt(MAGIC).putShort((short) VERSION).putShort((short) 0);
    out.putInt((int) entries).putInt(0);
    int totalPosition = out.position();
    out.putLong(0);
    long totalPages = 0;
    int i = 0;
    int j = 0;
    while (i < free.size() || j < pending.size()) {
      boolean takeFree =
          j >= pending.size() || (i < free.size() && free.getLong(i) < pending.getLong(j));
      LongArrayList from = takeFree ? free : pending;
      int k = takeFree ? i : j;
      long start = from.getLong(k);
      long length = from.getLong(k + 1);
      totalPages += length;
      while (length > 0) {
        long chunk = Math.min(length, MAX_ENTRY_PAGES);
        out.putLong(start).putInt((int) chunk);
        start += chunk;
        length -= chunk;
      }
      if (takeFree) {
        i += 2;
      } else {
        j += 2;
      }
    }
    if (out.position() != size - TRAILER_BYTES) {
      throw new IllegalStateException(
          "freelist wrote "
              + out.position()
              + " bytes of runs, expected "
              + (size - TRAILER_BYTES));
    }
    out.putLong(totalPosition, totalPages);
    CRC32C crc = new CRC32C();
    crc.update(out.duplicate().position(0).limit(size - TRAILER_BYTES));
    out.putInt((int) crc.getValue());
    target.position(target.position() + size);
  }

  /**
   * Reads and validates serialized runs at {@code source}'s position, returning them merged and in
   * page order as (start, length) pairs; advances the position only on success.
   */
  static LongArrayList read(ByteBuffer source) {
    ByteBuffer in = source.slice().order(ByteOrder.LITTLE_ENDIAN);
    int available = in.remaining();
    if (available < HEADER_BYTES + TRAILER_BYTES) {
      throw new FreelistFormatException(
          Reason.TRUNCATED,
          available,
          "freelist needs at least "
              + (HEADER_BYTES + TRAILER_BYTES)
              + " bytes but only "
              + available
              + " remain");
    }
    int magic = in.getInt(0);
    if (magic != MAGIC) {
      throw new FreelistFormatException(
          Reason.BAD_MAGIC,
          0,
          String.format("magic 0x%08X is not the freelist's 0x%08X (\"STFL\")", magic, MAGIC));
    }
    int version = Short.toUnsignedInt(in.getShort(4));
    if (version != VERSION) {
      throw new FreelistFormatException(
          Reason.UNSUPPORTED_VERSION,
          4,
          "freelist format version "
              + version
              + (version > VERSION ? " is newer than" : " is not")
              + " the supported version "
              + VERSION);
    }
    long entries = Integer.toUnsignedLong(in.getInt(8));
    long size = HEADER_BYTES + entries * ENTRY_BYTES + TRAILER_BYTES;
    if (size > available) {
      throw new FreelistFormatException(
          Reason.TRUNCATED,
          available,
          "freelist declares "
              + entries
              + " runs ("
              + size
              + " bytes) but only "
              + available
              + " bytes remain");
    }
    int crcOffset = (int) size - TRAILER_BYTES;
    CRC32C crc = new CRC32C();
    crc.update(in.duplicate().position(0).limit(crcOffset));
    int stored = in.getInt(crcOffset);
    if (stored != (int) crc.getValue()) {
      throw new FreelistFormatException(
          Reason.CHECKSUM_MISMATCH,
          crcOffset,
          String.format(
              "stored CRC32C 0x%08X does not match computed 0x%08X over %d bytes",
              stored, (int) crc.getValue(), crcOffset));
    }
    if (in.getShort(6) != 0 || in.getInt(12) != 0) {
      throw new FreelistFormatException(
          Reason.INVALID_CONTENT, 6, "format version 1 requires zero flags and reserved fields");
    }
    long declaredPages = in.getLong(16);
    // One bulk copy of the entries as ints (three per entry) instead of two buffer reads each: a
    // store's open decodes this before the JIT compiled anything, where every call counts.
    int[] fields = new int[(int) entries * 3];
    in.slice(HEADER_BYTES, fields.length * 4)
        .order(ByteOrder.LITTLE_ENDIAN)
        .asIntBuffer()
        .get(fields);
    long[] runs = new long[fields.length / 3 * 2];
    int n = 0;
    long totalPages = 0;
    long previousEnd = Freelist.FIRST_ALLOCATABLE_PAGE;
    for (int k = 0; k < entries; k++) {
      long start = (fields[3 * k] & 0xFFFF_FFFFL) | (long) fields[3 * k + 1] << 32;
      long length = fields[3 * k + 2] & 0xFFFF_FFFFL;
      if (length == 0 || start < previousEnd || start > Long.MAX_VALUE - length) {
        throw new FreelistFormatException(
            Reason.INVALID_CONTENT,
            HEADER_BYTES + k * ENTRY_BYTES,
            "run "
                + k
                + " (page "
                + start
                + ", "
                + length
                + " pages) is empty, overflows, touches a meta page or overlaps the previous run"
                + " ending before page "
                + previousEnd);
      }
      if (n > 0 && runs[n - 2] + runs[n - 1] == start) {
        runs[n - 1] += length;
      } else {
        runs[n++] = start;
        runs[n++] = length;
      }
      totalPages += length;
      previousEnd = start + length;
    }
    if (totalPages != declaredPages) {
      throw new FreelistFormatException(
          Reason.INVALID_CONTENT,
          16,
          "runs hold " + totalPages + " pages but the header declares " + declaredPages);
    }
    source.position(source.position() + (int) size);
    return LongArrayList.wrap(runs, n);
  }
}
