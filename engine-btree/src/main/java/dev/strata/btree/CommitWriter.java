package dev.strata.btree;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes a commit's runs as the spill seals them, before the commit's syncs, and keeps the file
 * long enough for them. Writing each node as soon as it is sealed, instead of collecting and
 * sorting them first, lets {@link EarlyWriteback} start the kernel's write-back of the first pages
 * while the spill is still encoding the rest.
 *
 * <p>Runs the spill seals one after another on consecutive pages are joined into one write call of
 * up to {@link #JOIN_PAGES} pages, but only below the base meta's high-water mark, on pages an
 * earlier commit wrote. Linux (6.x, ext4 and others with large folios) caches a file in folios as
 * large as the write that first brought the pages into the cache, and a later rewrite of one page
 * of such a folio dirties, and writes back, the whole folio: with writes joined up to 64 KiB
 * everywhere, the insert benchmark's commits dirtied 23.4 GB of page cache for 5.2 GB written, with
 * one write per page 5.6 GB (see README). A page below the high-water mark has been written before,
 * so its folio already exists and a joined write leaves its size alone; pages past it are new to
 * the file and get one write call each, so they enter the cache as one-page folios. The joined
 * writes save the system calls: a commit of the {@code compare} load writes about 200 pages in some
 * 80 calls instead of 200.
 *
 * <p>Writer-only (the engine's writer gate), not thread-safe.
 */
final class CommitWriter {
  /**
   * Pages written between two requests for {@link EarlyWriteback}: enough that the helper's sync
   * has a batch worth submitting, few enough that a commit of a thousand pages gets most of them on
   * their way before its own sync.
   */
  static final int EARLY_WRITEBACK_PAGES = 256;

  /**
   * Most pages one joined write carries (64 KiB of 4 KiB pages): should a joined range have left
   * the page cache, the folio it creates is no larger than this.
   */
  static final int JOIN_PAGES = 16;

  private final PageFile file;
  private final FileChannel channel;
  private final int pageSize;
  private final PageBuffers buffers;

  /**
   * Where one-page runs are copied before their write, joined with the runs before them or alone: a
   * heap buffer handed to {@code FileChannel.write} is copied into a temporary direct buffer on
   * every call anyway, so this costs no extra copy and no allocation.
   */
  private final ByteBuffer gather;

  /** Null when the store does not use it (not SYNC, one core, or turned off). */
  private final EarlyWriteback earlyWriteback;

  /** Every run this commit wrote, with its checksum: a one-sync commit's record lists them. */
  final CommitRecord.Runs runs = new CommitRecord.Runs();

  /** Pooled page buffers written by this commit, given back once it has written everything. */
  private final List<ByteBuffer> written = new ArrayList<>();

  private long fileBytes;
  private long sinceRequest;

  /**
   * Pages this commit has written (counted only with early write-back), and about how many it
   * writes in all.
   */
  private long writtenPages;

  private long expectedPages;

  /** The first page no earlier commit wrote: runs from there on are never joined. */
  private long freshFrom;

  /** The runs held in {@link #gather} for one write: {@code joinedPages} pages from here. */
  private long joinedFirst;

  private int joinedPages;

  /** The first page of each held run, marked verified once written. */
  private long[] joinedStarts = new long[JOIN_PAGES];

  private int joinedRuns;

  CommitWriter(
      PageFile file,
      FileChannel channel,
      int pageSize,
      PageBuffers buffers,
      EarlyWriteback earlyWriteback) {
    this.file = file;
    this.channel = channel;
    this.pageSize = pageSize;
    this.buffers = buffers;
    this.gather = ByteBuffer.allocateDirect(JOIN_PAGES * pageSize);
    this.earlyWriteback = earlyWriteback;
  }

  /**
   * Starts a commit's writes.
   *
   * @param freshFrom the base meta's high-water mark: pages from there on are new to the file and
   *     written one run per call
   * @param expectedPages about how many pages the commit writes ({@link TreeUpdate#expectedPages}):
   *     early write-back is asked for only while half a batch of pages is still to come
   */
  void begin(long freshFrom, long expectedPages) throws IOException {
    this.freshFrom = freshFrom;
    this.expectedPages = expectedPages;
    fileBytes = channel.size();
    sinceRequest = 0;
    writtenPages = 0;
    joinedPages = 0;
    joinedRuns = 0;
    written.clear();
    runs.clear();
  }

  /**
   * Writes a sealed run, or holds it to write it with the runs sealed right after it on the next
   * pages ({@link #flush} writes what is held); a pooled run is given back to the buffers by {@link
   * #recycle}.
   */
  void write(TreeUpdate.Dirty d) throws IOException {
    ByteBuffer run = d.run();
    int pages = run.limit() / pageSize;
    runs.add(d.pgid(), pages, CommitRecord.crcOf(run));
    boolean joinable = pages <= JOIN_PAGES && d.pgid() + pages <= freshFrom;
    if (joinedPages > 0
        && (!joinable
            || d.pgid() != joinedFirst + joinedPages
            || joinedPages + pages > JOIN_PAGES)) {
      flush();
    }
    if (joinable || pages == 1) {
      if (joinedPages == 0) {
        joinedFirst = d.pgid();
        gather.clear();
      }
      gather.put(run.duplicate().position(0));
      joinedStarts[joinedRuns++] = d.pgid();
      joinedPages += pages;
      if (!joinable) {
        flush();
      }
    } else {
      ensureFileSize(d.pgid() + pages);
      file.writeSealed(d.pgid(), run);
      written(pages);
    }
    if (d.pooled()) {
      written.add(run);
    }
  }

  /** Writes the runs held for joining, if any; the commit calls it after its last run. */
  void flush() throws IOException {
    if (joinedPages == 0) {
      return;
    }
    int pages = joinedPages;
    ensureFileSize(joinedFirst + pages);
    gather.flip();
    file.writeSealedRuns(joinedFirst, gather, joinedStarts, joinedRuns);
    joinedPages = 0;
    joinedRuns = 0;
    written(pages);
  }

  /**
   * Counts written pages towards the next early write-back request. A request pays off only with at
   * least half a batch still to write behind it: near the commit's end, the commit's own sync would
   * wait for the helper's and then flush the device again, so a commit of 300 pages syncs once, not
   * twice.
   */
  private void written(int pages) {
    if (earlyWriteback != null) {
      sinceRequest += pages;
      writtenPages += pages;
      if (sinceRequest >= EARLY_WRITEBACK_PAGES
          && expectedPages - writtenPages >= EARLY_WRITEBACK_PAGES / 2) {
        earlyWriteback.request();
        sinceRequest = 0;
      }
    }
  }

  /** Gives the pooled page buffers this commit wrote back for the next commit. */
  void recycle() {
    for (ByteBuffer b : written) {
      buffers.give(b);
    }
    written.clear();
  }

  /**
   * Waits for the helper and throws a failure of its syncs, which may have taken a write-back error
   * of this commit's pages from the commit's own sync: after the first sync of a two-sync commit,
   * before the meta write of a one-sync commit (so such a failure still rolls the commit back).
   */
  void finishEarlyWriteback() throws IOException {
    if (earlyWriteback != null) {
      earlyWriteback.finish();
    }
  }

  /**
   * After a failed commit: waits for the helper; a failure of its syncs concerned this commit's
   * pages, which are free again, and is added to {@code failed} for the record.
   */
  void abandon(Exception failed) {
    written.clear();
    joinedPages = 0;
    joinedRuns = 0;
    if (earlyWriteback != null) {
      try {
        earlyWriteback.finish();
      } catch (IOException e) {
        failed.addSuppressed(e);
      }
    }
  }

  /** Stops the helper thread, if any. */
  void close() {
    if (earlyWriteback != null) {
      earlyWriteback.close();
    }
  }

  /**
   * Makes the file at least {@code pages} pages long before a write into it, growing it
   * geometrically (doubling, in steps of 1 MiB to 64 MiB) by writing its last page. Mappings cover
   * the file's length, so a longer file means fewer remaps and fewer page faults on fresh mappings;
   * the slack past the high-water mark holds no data and is cut off when the free tail shrinks the
   * store.
   */
  void ensureFileSize(long pages) throws IOException {
    long need = pages * pageSize;
    if (fileBytes >= need) {
      return;
    }
    long size = channel.size();
    if (size < need) {
      long step = Math.min(Math.max(size, 1L << 20), 64L << 20);
      long target = Math.max(need, size + step);
      target = (target + pageSize - 1) / pageSize * pageSize;
      file.writeAt(ByteBuffer.allocate(pageSize), target - pageSize);
      size = target;
    }
    fileBytes = size;
  }
}
