package dev.strata.btree;

import dev.strata.btree.format.Meta;
import dev.strata.freelist.Freelist;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * Giving the file's free tail back to the file system. A commit first takes the free run at the end
 * of the file out of the freelist ({@link #trim}), so its high-water mark falls; after the commit
 * the file is cut down to it ({@link #shrinkAfterCommit}), but never below the last synced meta's
 * high-water mark, which a restart may still recover. Writer-only (the engine's writer gate).
 */
final class FileTail {
  private static final System.Logger LOG = System.getLogger(FileTail.class.getName());

  private final PageFile file;
  private final FileChannel channel;
  private final int pageSize;

  /** A commit lowered the high-water mark below the synced meta's: the file shrinks at the sync. */
  private boolean shrinkDeferred;

  FileTail(PageFile file, FileChannel channel, int pageSize) {
    this.file = file;
    this.channel = channel;
    this.pageSize = pageSize;
  }

  /**
   * Takes the free run at the end of the file out of the freelist, so the commit lowers the
   * high-water mark and the file shrinks. The freelist has no "allocate here", so this asks for
   * runs of the tail's length and keeps the one that is the tail. When a few tries miss, the tries
   * are rolled back (this txid has done nothing else yet) and a later commit tries again; when one
   * hits, the runs taken before it go back as pending pages of this txid.
   *
   * @param highWater the commit's high-water mark: {@code highWater[0]} is lowered on a hit
   * @param changes where the stored freelist's changes are recorded
   */
  static void trim(Freelist freelist, FreelistLog.Changes changes, long txid, long[] highWater) {
    long hw = highWater[0];
    if (hw <= 3 || !freelist.isFree(hw - 1)) {
      return;
    }
    long start = hw - 1;
    while (start > 2 && freelist.isFree(start - 1) && hw - start < Integer.MAX_VALUE) {
      start--;
    }
    int length = (int) (hw - start);
    List<Long> wrong = new ArrayList<>();
    for (int attempt = 0; attempt < 4; attempt++) {
      long p = freelist.allocate(txid, length);
      if (p == start) {
        highWater[0] = start;
        changes.removed(start, length);
        for (long w : wrong) {
          changes.removed(w, length);
          freelist.free(txid, w, length);
          changes.added(w, length);
        }
        return;
      }
      if (p == Freelist.NONE) {
        break;
      }
      wrong.add(p);
    }
    if (!wrong.isEmpty()) {
      freelist.rollback(txid);
    }
  }

  /**
   * Cuts the file's free tail after a commit: when the high-water mark fell, down to it, but never
   * below the synced meta's (a restart may recover that meta); the rest once a commit syncs.
   *
   * @param next the meta just published
   * @param base the meta the commit built on
   * @param sync whether the commit synced (then {@code synced} is {@code next})
   * @param synced the last meta written after a sync
   */
  void shrinkAfterCommit(Meta next, Meta base, boolean sync, Meta synced) {
    if (next.highWater() < base.highWater() || sync && shrinkDeferred) {
      shrinkDeferred = next.highWater() < synced.highWater();
      shrink(Math.max(next.highWater(), synced.highWater()));
    }
  }

  /** A failed truncation only leaves free pages at the end of the file: logged, not thrown. */
  private void shrink(long pages) {
    long want = pages * pageSize;
    try {
      if (channel.size() > want) {
        file.truncate(want);
      }
    } catch (IOException e) {
      LOG.log(
          Level.WARNING,
          "{0}: cannot truncate the free tail to {1} bytes: {2}",
          file.path,
          String.valueOf(want),
          e);
    }
  }
}
