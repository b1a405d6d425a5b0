package dev.strata.btree;

import dev.strata.btree.format.Meta;
import dev.strata.btree.format.PageFormat;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * The commit record of a one-sync commit (run type 7, format version 4): every run the commit wrote
 * (nodes, overflow values, the freelist snapshot or delta), each with the checksum it was written
 * with. A one-sync commit writes its runs, this record and its meta page, then syncs once, so a
 * power loss may leave the meta on disk without some of them; open accepts such a meta only when
 * the record and every run it lists read back as written ({@link #verify}).
 *
 * <p>The expected checksum is what makes a lost write visible. Copy-on-write reuses freed pages, so
 * where a write was lost the page still holds an older run with its own page id and a valid
 * checksum; only its checksum differing from the one the commit wrote tells the two apart, which
 * the writer's txid in every run's header guarantees ({@link PageFormat#seal(ByteBuffer, long)}).
 * The meta carries the record's own checksum for the same reason.
 *
 * <pre>
 * after the 32-byte page header (element count = entries, type 7):
 *  0 u64 txid of the commit that wrote it
 *  8 u64 reserved, 0
 * 16 entries of 16 bytes: first page u64, pages u32, CRC32C u32 (the run header's checksum field)
 * </pre>
 *
 * <p>Stateless apart from {@link Runs}, which the single writer owns.
 */
final class CommitRecord {
  static final int FIELDS = 16;
  static final int ENTRY = 16;

  /** Bytes a run's checksum is computed over per read: bounds the buffer a check allocates. */
  private static final int READ_BLOCK = 64 * 1024;

  private CommitRecord() {}

  /** Reads file bytes at a position until {@code dst} is full, zeros past the end of the file. */
  @FunctionalInterface
  interface Reader {
    void read(ByteBuffer dst, long position) throws IOException;

    /** Positional reads of {@code channel}, as open uses before the memory map exists. */
    static Reader of(FileChannel channel) {
      return (dst, position) -> {
        long at = position;
        while (dst.hasRemaining()) {
          int n = channel.read(dst, at);
          if (n < 0) {
            while (dst.hasRemaining()) {
              dst.put((byte) 0);
            }
            return;
          }
          at += n;
        }
      };
    }
  }

  /** The runs one commit wrote, in write order. Writer-only; reused across commits. */
  static final class Runs {
    private long[] starts = new long[256];
    private int[] lengths = new int[256];
    private int[] crcs = new int[256];
    private int size;
    private long pages;

    void clear() {
      size = 0;
      pages = 0;
    }

    void add(long start, int length, int crc) {
      if (size == starts.length) {
        starts = Arrays.copyOf(starts, size * 2);
        lengths = Arrays.copyOf(lengths, size * 2);
        crcs = Arrays.copyOf(crcs, size * 2);
      }
      starts[size] = start;
      lengths[size] = length;
      crcs[size] = crc;
      size++;
      pages += length;
    }

    /** Runs recorded since {@link #clear}. */
    int size() {
      return size;
    }

    /** Pages of those runs. */
    long pages() {
      return pages;
    }
  }

  /**
   * The outcome of {@link #verify}.
   *
   * @param problem null when the commit is whole; else what does not read back as written
   * @param runs the listed runs as flat (first page, pages) pairs when whole; empty otherwise
   */
  record Check(String problem, long[] runs) {
    boolean whole() {
      return problem == null;
    }
  }

  /** Pages a record of {@code entries} runs takes. */
  static int pagesFor(int entries, int pageSize) {
    return PageFormat.pagesFor(PageFormat.HEADER_SIZE + FIELDS + (long) entries * ENTRY, pageSize);
  }

  /**
   * The sealed record of {@code runs} at {@code page}, {@code pages} long (from {@link #pagesFor}).
   *
   * @throws IllegalStateException if the runs do not fit the pages sized for them
   */
  static ByteBuffer encode(Runs runs, long page, int pages, long txid, int pageSize) {
    long used = PageFormat.HEADER_SIZE + FIELDS + (long) runs.size * ENTRY;
    if (used > (long) pages * pageSize) {
      throw new IllegalStateException(
          "internal error: a commit record of "
              + runs.size
              + " runs does not fit "
              + pages
              + " pages");
    }
    ByteBuffer run = PageFormat.allocate(pageSize, pages);
    PageFormat.writeHeader(
        run, PageFormat.TYPE_COMMIT_RECORD, page, runs.size, pages - 1, (int) used);
    run.putLong(PageFormat.HEADER_SIZE, txid);
    int at = PageFormat.HEADER_SIZE + FIELDS;
    for (int i = 0; i < runs.size; i++) {
      run.putLong(at, runs.starts[i]);
      run.putInt(at + 8, runs.lengths[i]);
      run.putInt(at + 12, runs.crcs[i]);
      at += ENTRY;
    }
    PageFormat.seal(run, txid);
    return run;
  }

  /** The checksum field of a sealed run, whatever the buffer's byte order. */
  static int crcOf(ByteBuffer run) {
    int v = run.getInt(PageFormat.OFF_CRC);
    return run.order() == ByteOrder.LITTLE_ENDIAN ? v : Integer.reverseBytes(v);
  }

  /**
   * Checks that a one-sync meta's commit reached the file whole: the file is as long as the meta's
   * high-water mark, the record reads back with the checksum the meta names, and every run it lists
   * has its page id, a run type, its length and the checksum the commit wrote.
   *
   * @param fileSize the file's length in bytes
   * @throws IOException if reading fails (not a verdict on the commit)
   */
  static Check verify(Reader reader, long fileSize, Meta meta) throws IOException {
    int pageSize = meta.pageSize();
    if (fileSize < meta.highWater() * pageSize) {
      return torn(
          "the file is "
              + fileSize
              + " bytes, the commit's high-water mark needs "
              + meta.highWater() * pageSize);
    }
    ByteBuffer record;
    try {
      record =
          readRun(reader, meta.recordPage(), meta.recordPages(), pageSize, meta.recordCrc(), true);
    } catch (Torn t) {
      return torn("commit record: " + t.getMessage());
    }
    int entries = record.getInt(PageFormat.OFF_COUNT);
    if (entries < 0
        || record.getInt(PageFormat.OFF_USED)
            != PageFormat.HEADER_SIZE + FIELDS + (long) entries * ENTRY) {
      return torn("commit record at page " + meta.recordPage() + ": entry count " + entries);
    }
    if (record.getLong(PageFormat.HEADER_SIZE) != meta.txid()) {
      return torn(
          "commit record at page "
              + meta.recordPage()
              + " belongs to txid "
              + record.getLong(PageFormat.HEADER_SIZE));
    }
    long[] runs = new long[2 * entries];
    int at = PageFormat.HEADER_SIZE + FIELDS;
    for (int i = 0; i < entries; i++, at += ENTRY) {
      long start = record.getLong(at);
      int pages = record.getInt(at + 8);
      int crc = record.getInt(at + 12);
      if (start < 2 || pages < 1 || start > meta.highWater() - pages) {
        return torn("commit record entry " + i + " (" + start + "+" + pages + ") out of range");
      }
      try {
        readRun(reader, start, pages, pageSize, crc, false);
      } catch (Torn t) {
        return torn(t.getMessage());
      }
      runs[2 * i] = start;
      runs[2 * i + 1] = pages;
    }
    return new Check(null, runs);
  }

  private static Check torn(String problem) {
    return new Check(problem, new long[0]);
  }

  /**
   * Reads the run at {@code page} and checks it is the one written with checksum {@code crc}.
   *
   * @return the commit record's used bytes when {@code record}; else null
   */
  private static ByteBuffer readRun(
      Reader reader, long page, int pages, int pageSize, int crc, boolean record)
      throws IOException, Torn {
    long position = page * pageSize;
    ByteBuffer h = ByteBuffer.allocate(PageFormat.HEADER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
    reader.read(h, position);
    int type = h.get(PageFormat.OFF_TYPE);
    boolean runType =
        record
            ? type == PageFormat.TYPE_COMMIT_RECORD
            : type >= PageFormat.TYPE_BRANCH && type <= PageFormat.TYPE_FREELIST_DELTA;
    if (!runType) {
      throw new Torn("page " + page + " holds " + PageFormat.typeName(type) + " bytes");
    }
    if (h.getLong(PageFormat.OFF_PGID) != page) {
      throw new Torn(
          "page " + page + " holds a run written for page " + h.getLong(PageFormat.OFF_PGID));
    }
    int used = h.getInt(PageFormat.OFF_USED);
    if (h.getInt(PageFormat.OFF_OVERFLOW) != pages - 1
        || used < PageFormat.HEADER_SIZE
        || used > (long) pages * pageSize) {
      throw new Torn(
          "page " + page + " holds a run of another length than the " + pages + " written");
    }
    if (h.getInt(PageFormat.OFF_CRC) != crc) {
      throw new Torn(
          "page "
              + page
              + " holds an older "
              + PageFormat.typeName(type)
              + " run (checksum "
              + Integer.toHexString(h.getInt(PageFormat.OFF_CRC))
              + ", the commit wrote "
              + Integer.toHexString(crc)
              + ")");
    }
    CRC32C sum = new CRC32C();
    ByteBuffer whole = null;
    if (record) {
      whole = ByteBuffer.allocate(used).order(ByteOrder.LITTLE_ENDIAN);
      reader.read(whole, position);
      sum.update(whole.duplicate().position(4));
    } else {
      ByteBuffer block = ByteBuffer.allocate(Math.min(used, READ_BLOCK));
      long done = 0;
      while (done < used) {
        block.clear().limit((int) Math.min(block.capacity(), used - done));
        reader.read(block, position + done);
        block.flip();
        if (done == 0) {
          block.position(4);
        }
        sum.update(block);
        done += block.limit();
      }
    }
    if ((int) sum.getValue() != crc) {
      throw new Torn(
          "page " + page + ": checksum mismatch in " + PageFormat.typeName(type) + " run");
    }
    return whole;
  }

  /** A run that does not read back as the commit wrote it. */
  private static final class Torn extends Exception {
    private static final long serialVersionUID = 1L;

    Torn(String message) {
      super(message, null, false, false);
    }
  }
}
