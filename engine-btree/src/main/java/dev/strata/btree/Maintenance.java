package dev.strata.btree;

import dev.strata.api.Cursor;
import dev.strata.api.KeyRange;
import dev.strata.api.StorageIOException;
import dev.strata.api.spi.FileIO;
import dev.strata.api.spi.StorageFile;
import dev.strata.btree.format.Meta;
import dev.strata.btree.format.PageFormat;
import dev.strata.freelist.Freelist;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/** Online backup (raw page copy of a pinned snapshot) and compaction (dense rebuild). */
final class Maintenance {
  private static final int COPY_BLOCK = 1 << 20;

  private Maintenance() {}

  /**
   * Copies the pages of {@code meta}'s snapshot. The caller's read transaction pins every page the
   * snapshot reaches, including its stored freelist; free pages may change while they are copied,
   * which is harmless because the copied freelist says they are free.
   */
  static void backup(Store store, Meta meta, Path target) {
    Path tmp = target.resolve(Store.FILE_NAME + ".creating");
    int ps = meta.pageSize();
    try (StorageFile out = create(store.fileIO, tmp)) {
      long end = meta.highWater() * ps;
      ByteBuffer block = ByteBuffer.allocate(COPY_BLOCK);
      for (long pos = 2L * ps; pos < end; pos += COPY_BLOCK) {
        block.clear().limit((int) Math.min(COPY_BLOCK, end - pos));
        store.file.readRaw(block, pos);
        block.flip();
        PageFile.writeFully(out, block, pos);
      }
      PageFile.writeFully(out, meta.encode(0), 0);
      PageFile.writeFully(out, meta.encode(1).position(0), ps);
      out.force(true);
    } catch (IOException | RuntimeException e) {
      throw failed(store.fileIO, tmp, "cannot write backup " + tmp, e);
    }
    finish(store.fileIO, tmp, target);
  }

  private static StorageFile create(FileIO io, Path tmp) throws IOException {
    return io.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
  }

  /**
   * Renames the finished copy into place and syncs the directory. Until the rename only a file
   * named {@code *.creating} exists, which no open takes for a store; a failure deletes it.
   */
  private static void finish(FileIO io, Path tmp, Path target) {
    try {
      io.rename(tmp, target.resolve(Store.FILE_NAME));
    } catch (IOException | RuntimeException e) {
      throw failed(io, tmp, "cannot rename " + tmp, e);
    }
    try {
      io.syncDirectory(target);
    } catch (IOException e) {
      throw new StorageIOException(
          "cannot sync directory " + target + " after writing " + Store.FILE_NAME, e);
    }
  }

  /** Deletes the half-written copy and returns the exception to throw. */
  private static RuntimeException failed(FileIO io, Path tmp, String what, Exception e) {
    try {
      Files.deleteIfExists(tmp);
    } catch (IOException deleteFailure) {
      e.addSuppressed(deleteFailure);
    }
    if (e instanceof RuntimeException r) {
      return r;
    }
    return new StorageIOException(what + ": " + e.getMessage(), e);
  }

  /**
   * Streams the snapshot's entries in key order into full leaves written back to back, then builds
   * each branch level above them the same way: a file with no free page and every node as full as
   * its page allows.
   */
  static void compact(BTreeReadTxn txn, Path target) {
    int ps = txn.meta.pageSize();
    int maxInline = TreeUpdate.maxInline(ps);
    Path tmp = target.resolve(Store.FILE_NAME + ".creating");
    FileIO io = txn.engine.store.fileIO;
    try (StorageFile out = create(io, tmp)) {
      Builder b = new Builder(out, ps, maxInline, txn.meta.txid());
      try (Cursor c = txn.cursor(KeyRange.all())) {
        while (c.next()) {
          b.add(c.key(), c.value());
        }
      }
      long root = b.finish();
      Freelist empty = Freelist.create(txn.engine.store.settings.freelistKind());
      long freelistPage = b.next;
      int pages = FreelistLog.snapshotPages(empty, ps);
      ByteBuffer run = FreelistLog.encodeSnapshot(empty, freelistPage, pages, txn.meta.txid(), ps);
      PageFile.writeFully(out, run, freelistPage * ps);
      Meta meta = new Meta(ps, root, freelistPage, pages, freelistPage + pages, txn.meta.txid());
      PageFile.writeFully(out, meta.encode(0), 0);
      PageFile.writeFully(out, meta.encode(1), ps);
      out.force(true);
    } catch (IOException | RuntimeException e) {
      throw failed(io, tmp, "cannot write compacted store " + tmp, e);
    }
    finish(io, tmp, target);
  }

  /** Writes nodes bottom-up into consecutive pages. */
  private static final class Builder {
    private final StorageFile out;
    private final int pageSize;
    private final int maxInline;

    /** The txid the copy's meta gets, stamped into its runs. */
    private final long writer;

    long next = 2;
    private final List<List<Node.Entry>> levels = new ArrayList<>();
    private final List<Long> levelSizes = new ArrayList<>();
    private long leafSize = PageFormat.HEADER_SIZE;
    private List<Node.Entry> leaf = new ArrayList<>();

    /** The last key of the leaf written before, for the next leaf's routing key. */
    private byte[] previousLast;

    Builder(StorageFile out, int pageSize, int maxInline, long writer) {
      this.out = out;
      this.pageSize = pageSize;
      this.writer = writer;
      this.maxInline = maxInline;
    }

    void add(byte[] key, byte[] value) throws IOException {
      Node.Entry e = new Node.Entry(key, value, 0, value.length);
      if (value.length > maxInline) {
        int pages = PageFormat.pagesFor(PageFormat.HEADER_SIZE + (long) value.length, pageSize);
        ByteBuffer run = PageFormat.allocate(pageSize, pages);
        PageFormat.writeHeader(
            run,
            PageFormat.TYPE_OVERFLOW,
            next,
            1,
            pages - 1,
            PageFormat.HEADER_SIZE + value.length);
        run.put(PageFormat.HEADER_SIZE, value);
        PageFormat.seal(run, writer);
        PageFile.writeFully(out, run, next * pageSize);
        e.page = next;
        e.value = null;
        next += pages;
      }
      int s = Node.entrySize(true, e, maxInline);
      if (!leaf.isEmpty() && leafSize + s > pageSize) {
        flushLeaf();
      }
      leaf.add(e);
      leafSize += s;
    }

    private void flushLeaf() throws IOException {
      long pgid = writeNode(true, leaf);
      byte[] first = leaf.get(0).key;
      addToLevel(0, previousLast == null ? first : Node.separator(previousLast, first), pgid);
      previousLast = leaf.get(leaf.size() - 1).key;
      leaf = new ArrayList<>();
      leafSize = PageFormat.HEADER_SIZE;
    }

    private long writeNode(boolean isLeaf, List<Node.Entry> entries) throws IOException {
      long pgid = next;
      ByteBuffer run = Node.encode(isLeaf, entries, pgid, pageSize, maxInline, writer);
      PageFile.writeFully(out, run, pgid * pageSize);
      next += run.limit() / pageSize;
      return pgid;
    }

    /** Adds a child to the branch being filled at {@code level}, writing it when full. */
    private void addToLevel(int level, byte[] key, long child) throws IOException {
      while (levels.size() <= level) {
        levels.add(new ArrayList<>());
        levelSizes.add((long) PageFormat.HEADER_SIZE);
      }
      Node.Entry e = new Node.Entry(key, null, child, 0);
      int s = Node.entrySize(false, e, maxInline);
      List<Node.Entry> current = levels.get(level);
      if (current.size() >= 2 && levelSizes.get(level) + s > pageSize) {
        long pgid = writeNode(false, current);
        levels.set(level, new ArrayList<>());
        levelSizes.set(level, (long) PageFormat.HEADER_SIZE);
        addToLevel(level + 1, current.get(0).key, pgid);
        current = levels.get(level);
      }
      current.add(e);
      levelSizes.set(level, levelSizes.get(level) + s);
    }

    /** Writes what is left, level by level; returns the root. */
    long finish() throws IOException {
      if (levels.isEmpty()) {
        return writeNode(true, leaf);
      }
      if (!leaf.isEmpty()) {
        flushLeaf();
      }
      for (int level = 0; ; level++) {
        List<Node.Entry> current = levels.get(level);
        if (level == levels.size() - 1 && current.size() == 1) {
          return current.get(0).page;
        }
        long pgid = writeNode(false, current);
        if (level == levels.size() - 1) {
          return pgid;
        }
        addToLevel(level + 1, current.get(0).key, pgid);
      }
    }
  }
}
