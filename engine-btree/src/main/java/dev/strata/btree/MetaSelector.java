package dev.strata.btree;

import dev.strata.api.CorruptionException;
import dev.strata.btree.format.Meta;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Which of the two meta pages an open trusts (LMDB's and bbolt's two-meta scheme). A commit writes
 * the meta page the last synced meta is not on, so a torn meta write leaves the other page intact;
 * open takes the valid page with the higher txid. Under {@code NO_SYNC} a meta may be written
 * without a preceding sync and carries the boot id of the system that wrote it: it is trusted only
 * within that boot, when the kernel still holds every page it reaches, never after a restart, when
 * it may have reached the disk ahead of its pages. A one-sync meta (written before the only sync of
 * its commit) is trusted only when its {@link CommitRecord} and every run the record lists read
 * back as written; otherwise its commit did not reach the disk whole and open rolls back to the
 * other page. Stateless and thread-safe.
 */
final class MetaSelector {
  private static final System.Logger LOG = System.getLogger(MetaSelector.class.getName());

  private MetaSelector() {}

  /**
   * The meta open uses, the page it is on, and whether it was written without a sync.
   *
   * @param meta the committed state
   * @param slot its meta page, 0 or 1
   * @param unsynced true when its pages were not synced first (trusted within this boot only)
   * @param newestSynced the valid meta with the higher txid among those written after a sync
   * @param rolledBack true when the other page holds a newer one-sync meta whose commit did not
   *     reach the disk whole: a writable open overwrites it before any commit
   */
  record Selected(Meta meta, int slot, boolean unsynced, Meta newestSynced, boolean rolledBack) {}

  /** The meta open would use (see {@link #select}). */
  static Meta read(FileChannel channel, Path path) throws IOException {
    return select(channel, path).meta();
  }

  /**
   * Picks the trustworthy meta with the highest txid: a valid meta page written after a sync, one
   * written without a sync during this boot of the system, or a one-sync meta whose commit reached
   * the disk whole.
   *
   * @throws CorruptionException if neither page holds one
   */
  static Selected select(FileChannel channel, Path path) throws IOException {
    Meta.Page p0 = readMetaAt(channel, path, 0, 0);
    Meta.Page p1 = null;
    if (p0 != null) {
      p1 = readMetaAt(channel, path, 1, p0.meta().pageSize());
      if (p1 != null && p1.meta().pageSize() != p0.meta().pageSize()) {
        p1 = null;
      }
    } else {
      for (int ps = 1024; ps <= 65536 && p1 == null; ps <<= 1) {
        Meta.Page candidate = readMetaAt(channel, path, 1, ps);
        if (candidate != null && candidate.meta().pageSize() == ps) {
          p1 = candidate;
        }
      }
    }
    if (p0 == null && p1 == null) {
      throw new CorruptionException(
          path
              + ": both meta pages (page 0 at offset 0 and page 1)"
              + " are invalid; this is not a btree store or both were damaged");
    }
    Meta.Page t0 = trusted(p0, 0, path);
    Meta.Page t1 = trusted(p1, 1, path);
    if (t0 == null && t1 == null) {
      throw new CorruptionException(
          path
              + ": no meta page was written after a sync, and the one written without a sync"
              + " predates a restart of the system");
    }
    int newer = t0 == null || t1 != null && t1.meta().txid() > t0.meta().txid() ? 1 : 0;
    Meta.Page[] trusted = {t0, t1};
    Meta.Page chosen = trusted[newer];
    int slot = newer;
    boolean rolledBack = false;
    CommitRecord.Check check = verify(channel, chosen.meta());
    if (!check.whole()) {
      Meta.Page other = trusted[1 - newer];
      CommitRecord.Check otherCheck = other == null ? null : verify(channel, other.meta());
      if (other == null || !otherCheck.whole()) {
        throw new CorruptionException(
            path
                + ": the commit of meta txid "
                + chosen.meta().txid()
                + " did not reach the disk whole ("
                + check.problem()
                + ") and meta page "
                + (1 - newer)
                + (other == null
                    ? " holds no meta open may use"
                    : " (txid "
                        + other.meta().txid()
                        + ") fails its check too: "
                        + otherCheck.problem()));
      }
      LOG.log(
          Level.WARNING,
          "{0}: the last commit (txid {1}, meta page {2}) did not reach the disk whole ({3});"
              + " rolled back to txid {4}",
          path,
          String.valueOf(chosen.meta().txid()),
          String.valueOf(slot),
          check.problem(),
          String.valueOf(other.meta().txid()));
      chosen = other;
      slot = 1 - newer;
      rolledBack = true;
    } else if ((slot == 0 ? p1 : p0) == null) {
      LOG.log(
          Level.WARNING,
          "{0}: meta page {1} is invalid; using meta page {2} (txid {3})",
          path,
          String.valueOf(1 - slot),
          String.valueOf(slot),
          String.valueOf(chosen.meta().txid()));
    }
    Meta newestSynced = null;
    for (Meta.Page p : new Meta.Page[] {p0, p1}) {
      if (p != null
          && p.unsyncedBoot() == null
          && (!rolledBack || p.meta().txid() <= chosen.meta().txid())
          && (newestSynced == null || p.meta().txid() > newestSynced.txid())) {
        newestSynced = p.meta();
      }
    }
    return new Selected(
        chosen.meta(), slot, chosen.unsyncedBoot() != null, newestSynced, rolledBack);
  }

  /** Whether the commit of {@code meta} reached the file whole (always, without a record). */
  private static CommitRecord.Check verify(FileChannel channel, Meta meta) throws IOException {
    if (!meta.oneSync()) {
      return new CommitRecord.Check(null, new long[0]);
    }
    return CommitRecord.verify(CommitRecord.Reader.of(channel), channel.size(), meta);
  }

  /** The page if open may use it: synced, or unsynced during this boot. */
  private static Meta.Page trusted(Meta.Page page, int slot, Path path) {
    if (page == null || page.unsyncedBoot() == null) {
      return page;
    }
    byte[] boot = page.unsyncedBoot();
    if (BootId.isKnown(boot) && Arrays.equals(boot, BootId.current())) {
      return page;
    }
    LOG.log(
        Level.WARNING,
        "{0}: meta page {1} (txid {2}) was written without a sync before the system restarted;"
            + " recovering to the last synced meta (the NO_SYNC commits after it are lost)",
        path,
        String.valueOf(slot),
        String.valueOf(page.meta().txid()));
    return null;
  }

  private static Meta.Page readMetaAt(FileChannel channel, Path path, long pgid, int pageSize)
      throws IOException {
    ByteBuffer b = ByteBuffer.allocate(1024).order(ByteOrder.LITTLE_ENDIAN);
    long pos = pgid * pageSize;
    while (b.hasRemaining()) {
      int n = channel.read(b, pos + b.position());
      if (n < 0) {
        break;
      }
    }
    b.flip();
    return Meta.decodePage(b, pgid, path.toString());
  }
}
