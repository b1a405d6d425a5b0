package dev.strata.btree;

import dev.strata.api.CorruptionException;
import dev.strata.api.UnsupportedFormatException;
import dev.strata.btree.format.Meta;
import dev.strata.btree.format.PageFormat;
import dev.strata.freelist.Freelist;
import dev.strata.freelist.FreelistFormatException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The stored freelist: one full snapshot (a freelist run, the freelist module's serialized form)
 * followed by a chain of delta runs, each holding the page runs one commit took out of the stored
 * free set and the runs it added. The meta page names the newest run; each delta names the run
 * before it. A commit appends one delta of a page or two instead of rewriting a freelist of
 * megabytes, and writes a fresh snapshot once the deltas together would outweigh it (see {@code
 * btree.freelistLogPercent}) or the chain reaches {@link #MAX_CHAIN} deltas.
 *
 * <p>Crash safety is the tree's: every run of the chain is reachable from the meta that names its
 * head, so none is overwritten while that meta may be the one a crash falls back to; a snapshot
 * frees the whole previous chain as pending pages of its commit.
 *
 * <pre>
 * delta run (type 6), after the 32-byte page header (element count = removed + added):
 *  0 u64 previous run's first page (a delta, or the snapshot when depth is 1)
 *  8 u32 previous run's length in pages
 * 12 u32 depth: 1 for the delta after the snapshot, +1 for each later one
 * 16 u64 txid of the commit that wrote it
 * 24 u32 removed entries
 * 28 u32 added entries
 * 32 u64 page bound: every entry lies below it (the higher of the previous commit's high-water
 *        mark and this one's; a shrinking commit removes pages above its own)
 * 40 entries of 12 bytes (first page u64, pages u32): removed runs, then added runs, each in page
 *    order; applying the removals and then the additions to the previous free set gives this one
 * </pre>
 */
final class FreelistLog {
  private static final System.Logger LOG = System.getLogger(FreelistLog.class.getName());

  static final int MAX_CHAIN = 1024;
  static final int DELTA_FIELDS = 40;
  static final int ENTRY = 12;

  private FreelistLog() {}

  /**
   * Where the stored freelist lies: (first page, pages) pairs, the snapshot first and then the
   * deltas oldest first; empty when the freelist is not stored.
   *
   * @param runs flat (first page, pages) pairs; not modified after construction
   * @param deltaPages pages of the deltas, the snapshot excluded
   */
  record Chain(long[] runs, long deltaPages) {
    static final Chain NONE = new Chain(new long[0], 0);

    static Chain snapshot(long page, int pages) {
      return new Chain(new long[] {page, pages}, 0);
    }

    boolean isEmpty() {
      return runs.length == 0;
    }

    int depth() {
      return runs.length / 2 - 1;
    }

    long basePages() {
      return runs[1];
    }

    long totalPages() {
      long total = 0;
      for (int i = 1; i < runs.length; i += 2) {
        total += runs[i];
      }
      return total;
    }

    long headPage() {
      return isEmpty() ? 0 : runs[runs.length - 2];
    }

    int headPages() {
      return isEmpty() ? 0 : (int) runs[runs.length - 1];
    }

    Chain append(long page, int pages) {
      long[] longer = Arrays.copyOf(runs, runs.length + 2);
      longer[runs.length] = page;
      longer[runs.length + 1] = pages;
      return new Chain(longer, deltaPages + pages);
    }
  }

  /**
   * What one commit did to the stored free set: runs taken from the freelist and runs freed (they
   * are free on disk as soon as the commit is, since no reader survives a crash). Writer-only.
   */
  static final class Changes {
    private long[] removed = new long[64];
    private int removedSize;
    private long[] added = new long[64];
    private int addedSize;

    void removed(long start, int pages) {
      if (removedSize == removed.length) {
        removed = Arrays.copyOf(removed, removed.length * 2);
      }
      removed[removedSize++] = start;
      removed[removedSize++] = pages;
    }

    void added(long start, int pages) {
      if (addedSize == added.length) {
        added = Arrays.copyOf(added, added.length * 2);
      }
      added[addedSize++] = start;
      added[addedSize++] = pages;
    }

    void clear() {
      removedSize = 0;
      addedSize = 0;
    }
  }

  /**
   * Stores the freelist for commit {@code txid}: appends a delta to {@code chain}, or writes a new
   * snapshot and frees the old chain. The runs to write go to {@code dirty}.
   *
   * @param pageBound the higher of the previous and the committing high-water mark, read after the
   *     delta's pages are allocated
   * @param logPercent a snapshot is written once the deltas would pass this share of its pages
   * @return the chain the new meta names
   */
  static Chain store(
      Chain chain,
      Freelist freelist,
      Changes changes,
      TreeUpdate.Pager pages,
      LongSupplier pageBound,
      long txid,
      int pageSize,
      int logPercent,
      List<TreeUpdate.Dirty> dirty) {
    int deltaPages = deltaPages(changes, pageSize);
    if (deltaFits(chain, deltaPages, logPercent)) {
      long page = pages.allocate(deltaPages);
      dirty.add(
          new TreeUpdate.Dirty(
              page,
              encodeDelta(
                  chain, changes, page, deltaPages, txid, pageBound.getAsLong(), pageSize)));
      return chain.append(page, deltaPages);
    }
    free(chain, pages);
    int snapshotPages = snapshotPages(freelist, pageSize);
    // Allocating never grows the serialized size, so the run sized before it still fits.
    long page = pages.allocate(snapshotPages);
    dirty.add(
        new TreeUpdate.Dirty(page, encodeSnapshot(freelist, page, snapshotPages, txid, pageSize)));
    return Chain.snapshot(page, snapshotPages);
  }

  /**
   * Pages {@link #store} would write now: a delta's bound, or a snapshot's size when one is due.
   * Allocating a few more pages before the store adds at most an entry or two to a delta.
   */
  static int plannedPages(
      Chain chain, Freelist freelist, Changes changes, int pageSize, int logPercent) {
    int deltaPages = deltaPages(changes, pageSize);
    return deltaFits(chain, deltaPages, logPercent)
        ? deltaPages
        : snapshotPages(freelist, pageSize);
  }

  /** Pages a delta of {@code changes} takes at most. */
  private static int deltaPages(Changes changes, int pageSize) {
    // Unmerged counts bound the entries from above and cost nothing when a snapshot follows.
    int bound = (changes.removedSize + changes.addedSize) / 2 + 1;
    return PageFormat.pagesFor(
        PageFormat.HEADER_SIZE + DELTA_FIELDS + (long) bound * ENTRY, pageSize);
  }

  /** Whether a delta of {@code deltaPages} is stored rather than a new snapshot. */
  private static boolean deltaFits(Chain chain, int deltaPages, int logPercent) {
    return !chain.isEmpty()
        && chain.depth() < MAX_CHAIN
        && (chain.deltaPages() + deltaPages) * 100 <= chain.basePages() * logPercent;
  }

  /** Frees every run of {@code chain} (as pending pages of the committing txid). */
  static void free(Chain chain, TreeUpdate.Pager pages) {
    for (int i = 0; i < chain.runs.length; i += 2) {
      pages.free(chain.runs[i], (int) chain.runs[i + 1]);
    }
  }

  /** Pages a snapshot of {@code freelist} takes now; allocating pages never makes it longer. */
  static int snapshotPages(Freelist freelist, int pageSize) {
    return PageFormat.pagesFor(PageFormat.HEADER_SIZE + (long) freelist.serializedSize(), pageSize);
  }

  /**
   * A sealed freelist run of {@code pages} pages at {@code page} holding all of {@code freelist},
   * written by commit {@code txid}; {@code pages} comes from {@link #snapshotPages} before the
   * run's own pages were allocated.
   *
   * <p>The serialized freelist ends with its own CRC32C, so only the writer's txid in the header
   * tells the run's checksum from an older snapshot's of the same length at the same page ({@link
   * PageFormat#seal(ByteBuffer, long)}).
   */
  static ByteBuffer encodeSnapshot(
      Freelist freelist, long page, int pages, long txid, int pageSize) {
    int size = freelist.serializedSize();
    ByteBuffer run = PageFormat.allocate(pageSize, pages);
    PageFormat.writeHeader(
        run, PageFormat.TYPE_FREELIST, page, 0, pages - 1, PageFormat.HEADER_SIZE + size);
    freelist.writeTo(run.position(PageFormat.HEADER_SIZE));
    run.position(0);
    PageFormat.seal(run, txid);
    return run;
  }

  private static ByteBuffer encodeDelta(
      Chain chain, Changes changes, long page, int pages, long txid, long pageBound, int pageSize) {
    // Merged only now: the delta's own pages were just taken from the freelist.
    long[] removed = merge(changes.removed, changes.removedSize);
    long[] added = merge(changes.added, changes.addedSize);
    int entries = (removed.length + added.length) / 2;
    int used = PageFormat.HEADER_SIZE + DELTA_FIELDS + entries * ENTRY;
    ByteBuffer run = PageFormat.allocate(pageSize, pages);
    PageFormat.writeHeader(run, PageFormat.TYPE_FREELIST_DELTA, page, entries, pages - 1, used);
    int at = PageFormat.HEADER_SIZE;
    run.putLong(at, chain.headPage());
    run.putInt(at + 8, chain.headPages());
    run.putInt(at + 12, chain.depth() + 1);
    run.putLong(at + 16, txid);
    run.putInt(at + 24, removed.length / 2);
    run.putInt(at + 28, added.length / 2);
    run.putLong(at + 32, pageBound);
    at += DELTA_FIELDS;
    for (long[] list : new long[][] {removed, added}) {
      for (int k = 0; k < list.length; k += 2) {
        run.putLong(at, list[k]);
        run.putInt(at + 8, (int) list[k + 1]);
        at += ENTRY;
      }
    }
    PageFormat.seal(run, txid);
    return run;
  }

  /** Sorts (start, length) pairs and joins the ones that touch. */
  private static long[] merge(long[] pairs, int size) {
    int n = size / 2;
    long[][] runs = new long[n][];
    for (int k = 0; k < n; k++) {
      runs[k] = new long[] {pairs[2 * k], pairs[2 * k + 1]};
    }
    Arrays.sort(runs, (a, b) -> Long.compare(a[0], b[0]));
    long[] out = new long[size];
    int m = 0;
    for (long[] run : runs) {
      if (m > 0 && out[m - 2] + out[m - 1] == run[0] && out[m - 1] + run[1] <= Integer.MAX_VALUE) {
        out[m - 1] += run[1];
      } else {
        out[m++] = run[0];
        out[m++] = run[1];
      }
    }
    return Arrays.copyOf(out, m);
  }

  // ---------------------------------------------------------------- reading

  /**
   * The stored freelist a meta names, read and checksummed: the chain and each run's bytes.
   *
   * @param chain where the runs lie
   * @param bodies each run's bytes after the page header, in chain order
   * @param readNanos how long reading and checksumming the runs took
   */
  record Stored(Chain chain, List<ByteBuffer> bodies, long readNanos) {

    /** Reads the chain from its head back to the snapshot, verifying every run. */
    static Stored read(PageFile file, Meta meta) {
      if (meta.freelistPage() == 0) {
        return new Stored(Chain.NONE, List.of(), 0);
      }
      long start = System.nanoTime();
      List<long[]> runs = new ArrayList<>();
      List<ByteBuffer> bodies = new ArrayList<>();
      long page = meta.freelistPage();
      int pages = meta.freelistPages();
      int expectDepth = -1;
      while (true) {
        ByteBuffer run = file.freelistRun(page, pages, meta.highWater());
        runs.add(new long[] {page, pages});
        ByteBuffer body =
            run.position(PageFormat.HEADER_SIZE).slice().order(ByteOrder.LITTLE_ENDIAN);
        bodies.add(body);
        if (run.get(PageFormat.OFF_TYPE) == PageFormat.TYPE_FREELIST) {
          if (expectDepth > 0) {
            throw file.corrupt(
                page, "freelist snapshot where a delta of depth " + expectDepth + " belongs");
          }
          break;
        }
        int depth = body.getInt(12);
        if (depth < 1 || depth > MAX_CHAIN || expectDepth >= 0 && depth != expectDepth) {
          throw file.corrupt(
              page,
              "freelist delta of depth "
                  + depth
                  + (expectDepth >= 0 ? " where depth " + expectDepth + " belongs" : ""));
        }
        long entries = (long) body.getInt(24) + body.getInt(28);
        if (body.getInt(24) < 0
            || body.getInt(28) < 0
            || PageFormat.HEADER_SIZE + DELTA_FIELDS + entries * ENTRY
                != run.getInt(PageFormat.OFF_USED)) {
          throw file.corrupt(page, "freelist delta's entry counts do not match its length");
        }
        expectDepth = depth - 1;
        page = body.getLong(0);
        pages = body.getInt(8);
      }
      int n = runs.size();
      long[] flat = new long[2 * n];
      long deltaPages = 0;
      List<ByteBuffer> ordered = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        long[] r = runs.get(n - 1 - i);
        flat[2 * i] = r[0];
        flat[2 * i + 1] = r[1];
        if (i > 0) {
          deltaPages += r[1];
        }
        ordered.add(bodies.get(n - 1 - i));
      }
      return new Stored(new Chain(flat, deltaPages), ordered, System.nanoTime() - start);
    }

    /**
     * The stored freelist as a new freelist: everything in it free, nothing pending. A chain is
     * applied to the snapshot's pages and the freelist built once from the result.
     */
    Freelist toFreelist(PageFile file, Meta meta, Freelist.Kind kind) {
      long start = System.nanoTime();
      Freelist freelist;
      if (chain.depth() == 0) {
        freelist = snapshot(file, kind);
      } else {
        PageBits.Runs runs = freeBits(file, meta).runsBelow(meta.highWater());
        freelist = Freelist.ofFreeRuns(runs.pairs(), runs.size(), kind);
      }
      long loadNanos = System.nanoTime() - start;
      if (LOG.isLoggable(Level.DEBUG)) {
        LOG.log(
            Level.DEBUG,
            "{0}: stored freelist read in {1} ms (a snapshot and {2} deltas, {3} pages), {4} free"
                + " pages in {5} runs loaded in {6} ms",
            file.path,
            String.valueOf(readNanos / 1_000_000),
            String.valueOf(chain.depth()),
            String.valueOf(chain.totalPages()),
            String.valueOf(freelist.freeCount()),
            String.valueOf(freelist.spans().size()),
            String.valueOf(loadNanos / 1_000_000));
      }
      return freelist;
    }

    /** The stored free set as bits; every removal and addition checked against the one before. */
    BitSet freePages(PageFile file, Meta meta) {
      return freeBits(file, meta).toBitSet();
    }

    private PageBits freeBits(PageFile file, Meta meta) {
      long[] runs = snapshotRuns(file);
      PageBits free =
          new PageBits(
              runs,
              runs.length == 0 ? 0 : toIndex(file, runs[runs.length - 2] + runs[runs.length - 1]));
      for (int i = 1; i < bodies.size(); i++) {
        ByteBuffer body = bodies.get(i);
        long page = chain.runs[2 * i];
        int removed = body.getInt(24);
        int added = body.getInt(28);
        long pageBound = body.getLong(32);
        // The entries in one bulk copy, three ints each (page low, page high, pages).
        int[] fields = new int[3 * (removed + added)];
        body.slice(DELTA_FIELDS, 4 * fields.length)
            .order(ByteOrder.LITTLE_ENDIAN)
            .asIntBuffer()
            .get(fields);
        for (int k = 0; k < removed + added; k++) {
          long start = (fields[3 * k] & 0xFFFF_FFFFL) | (long) fields[3 * k + 1] << 32;
          long length = fields[3 * k + 2] & 0xFFFF_FFFFL;
          if (start < 2 || length < 1 || start + length > pageBound) {
            throw file.corrupt(
                page, "freelist delta entry " + k + " (" + start + "+" + length + ") out of range");
          }
          int from = toIndex(file, start);
          int to = toIndex(file, start + length);
          if (k < removed) {
            int notFree = free.first(from, to, false);
            if (notFree >= 0) {
              throw file.corrupt(page, "freelist delta removes page " + notFree + ", not free");
            }
            free.clear(from, to);
          } else {
            int already = free.first(from, to, true);
            if (already >= 0) {
              throw file.corrupt(page, "freelist delta adds page " + already + ", already free");
            }
            free.set(from, to);
          }
        }
      }
      if (free.length() > meta.highWater()) {
        throw new CorruptionException(
            file.path
                + ": stored freelist holds page "
                + (free.length() - 1)
                + " at or past the high-water mark "
                + meta.highWater());
      }
      return free;
    }

    private Freelist snapshot(PageFile file, Freelist.Kind kind) {
      try {
        return Freelist.readFrom(bodies.get(0).duplicate(), kind);
      } catch (FreelistFormatException e) {
        throw snapshotError(file, e);
      }
    }

    /** The snapshot's free runs as (first page, pages) pairs in page order. */
    private long[] snapshotRuns(PageFile file) {
      try {
        return Freelist.readRuns(bodies.get(0).duplicate());
      } catch (FreelistFormatException e) {
        throw snapshotError(file, e);
      }
    }

    private RuntimeException snapshotError(PageFile file, FreelistFormatException e) {
      long page = chain.runs[0];
      if (e.reason() == FreelistFormatException.Reason.UNSUPPORTED_VERSION) {
        return new UnsupportedFormatException(
            file.path + ": freelist at page " + page + ": " + e.getMessage());
      }
      return file.corrupt(page, "freelist: " + e.getMessage());
    }
  }

  private static int toIndex(PageFile file, long page) {
    if (page > Integer.MAX_VALUE) {
      throw file.corrupt(page, "page id beyond what the freelist loader can track");
    }
    return (int) page;
  }

  /** A freelist whose free pages are the set bits below {@code highWater} (pages 0, 1 excluded). */
  static Freelist fromBits(BitSet free, long highWater, Freelist.Kind kind) {
    PageBits.Runs runs = new PageBits(free).runsBelow(highWater);
    return Freelist.ofFreeRuns(runs.pairs(), runs.size(), kind);
  }
}
