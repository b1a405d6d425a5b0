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
 * <p>Each run is written with a call of its own, one-page runs from a direct buffer. Runs that
 * touch are not joined into one write: Linux (6.x, ext4 and others with large folios) caches a file
 * in folios as large as the write that created them, and a later rewrite of one page of such a
 * folio dirties, and writes back, the whole folio. With writes joined up to 64 KiB, the insert
 * benchmark's commits dirtied 23.4 GB of page cache for 5.2 GB written; one write per page dirties
 * 5.6 GB (see README).
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

  private final PageFile file;
  private final FileChannel channel;
  private final int pageSize;
  private final PageBuffers buffers;

  /**
   * Where each one-page run is copied before its write: a heap buffer handed to {@code
   * FileChannel.write} is copied into a temporary direct buffer on every call anyway, so this costs
   * no extra copy and no allocation.
   */
  private final ByteBuffer gather;

  /** Null when the store does not use it (not SYNC, one core, or turned off). */
  private final EarlyWriteback earlyWriteback;

  /** Pooled page buffers written by this commit, given back once it has written everything. */
  private final List<ByteBuffer> written = new ArrayList<>();

  private long fileBytes;
  private long sinceRequest;

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
    this.gather = ByteBuffer.allocateDirect(pageSize);
    this.earlyWriteback = earlyWriteback;
  }

  /** Starts a commit's writes. */
  void begin() throws IOException {
    fileBytes = channel.size();
    sinceRequest = 0;
    written.clear();
  }

  /** Writes a sealed run; a pooled one is given back to the buffers by {@link #recycle}. */
  void write(TreeUpdate.Dirty d) throws IOException {
    ByteBuffer run = d.run();
    int pages = run.limit() / pageSize;
    ensureFileSize(d.pgid() + pages);
    ByteBuffer out = run;
    if (pages == 1) {
      out = gather.clear().put(run.duplicate().position(0)).flip();
    }
    file.writeSealed(d.pgid(), out);
    if (d.pooled()) {
      written.add(run);
    }
    if (earlyWriteback != null) {
      sinceRequest += pages;
      if (sinceRequest >= EARLY_WRITEBACK_PAGES) {
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
   * After the commit's own sync: waits for the helper and throws a failure of its syncs, which may
   * have taken a write-back error of this commit's pages from the commit's sync.
   */
  void synced() throws IOException {
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
