package dev.strata.freelist;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * Allocator of contiguous page runs for a copy-on-write page file, with MVCC "pending" pages.
 *
 * <p><b>Page states.</b> Every page is in exactly one of three states as far as the freelist knows:
 * <i>free</i> (may be handed out by {@link #allocate}), <i>pending</i> (freed by a write
 * transaction but possibly still visible to a reader of an older snapshot, so not reusable yet) or
 * <i>in use</i> (everything else, including pages beyond the end of the file). {@link #free} makes
 * in-use pages pending under the freeing txid; {@link #release} and {@link #releaseRange} turn
 * pending pages free once no reader can see them; {@link #rollback} undoes one write transaction.
 * Pages 0 and 1 are the meta pages: they are never free, and freeing them is an error.
 *
 * <p><b>Allocation tracking.</b> For {@link #releaseRange} and {@link #rollback} the freelist
 * remembers, per allocated run, which txid allocated it (bbolt's {@code allocs}). Pages whose
 * allocating txid is unknown — allocated before the last {@link #reload}, or taken from the end of
 * the file by the caller when {@link #allocate} returned {@link #NONE} — count as allocated by txid
 * 0, so {@code releaseRange} conservatively leaves them to {@link #release}. {@link #release}
 * forgets the allocating txids once every txid recorded since it last did so is below its {@code
 * oldestReaderTxid}: the pages then count as of unknown allocator too. A {@code releaseRange} a
 * reader needs begins above the oldest reader's snapshot, where those txids could not free a page
 * anyway; only a range beginning below it (no reader left to protect) frees less than it could.
 *
 * <p><b>Transactions.</b> Write txids passed to {@link #allocate} and {@link #free} must not
 * decrease (a rolled-back txid may be reused). The newest such txid is the open write transaction;
 * only it can be rolled back.
 *
 * <p><b>Thread-safety.</b> Implementations are not thread-safe. A storage engine has one writer at
 * a time and must serialize every call, including the read-only ones, with it (readers of the page
 * file never touch the freelist).
 *
 * <p><b>Serialized form</b> (little-endian): a 24-byte header — magic {@code "STFL"}, format
 * version (u16, currently 1), flags (u16, 0), run count (u32), reserved (u32, 0), total page count
 * (u64) — then one 12-byte entry per run (start page u64, length u32) in ascending page order, then
 * a CRC32C (u32) of everything before it. Pending runs are written as free runs (after a crash no
 * reader of the old snapshots survives). Entries may be adjacent but never overlap; runs longer
 * than {@code 0xFFFF_FFFF} pages are written as several entries. Reading merges adjacent entries.
 */
public interface Freelist {

  /** Result of {@link #allocate} when no free run is long enough. Page 0 is a meta page. */
  long NONE = 0;

  /** Pages 0 and 1 hold the two meta pages; the first page a freelist can ever hand out is 2. */
  long FIRST_ALLOCATABLE_PAGE = 2;

  /** The available implementations. */
  enum Kind {
    /**
     * Hash-segregated free runs: exact-size allocation and merging frees in O(1) hash operations
     * (plus an O(log k) tree update); best fit otherwise, lowest start page among equals.
     */
    HASH,
    /** bbolt's original sorted array of page ids: linear first-fit scan, sort-merge on release. */
    ARRAY
  }

  /**
   * Returns an empty hash-segregated freelist, the one to use.
   *
   * @return a new, empty {@link Kind#HASH} freelist
   */
  static Freelist hash() {
    return new HashFreelist();
  }

  /**
   * Returns an empty sorted-array freelist, the baseline the hash freelist is measured against.
   *
   * @return a new, empty {@link Kind#ARRAY} freelist
   */
  static Freelist array() {
    return new ArrayFreelist();
  }

  /**
   * Returns an empty freelist of the given kind.
   *
   * @param kind the implementation
   * @return a new, empty freelist
   * @throws NullPointerException if {@code kind} is null
   */
  static Freelist create(Kind kind) {
    switch (kind) {
      case HASH:
        return hash();
      case ARRAY:
        return array();
      default:
        throw new AssertionError(kind);
    }
  }

  /**
   * Reads a freelist written by {@link #writeTo}, consuming {@code serialized} from its position to
   * the end of the CRC trailer. The byte order of the buffer is ignored (the format is always
   * little-endian) and left unchanged.
   *
   * @param serialized the bytes, starting at its position
   * @param kind the implementation to build
   * @return a freelist whose free runs are the serialized ones, with nothing pending
   * @throws FreelistFormatException if the bytes are truncated, corrupt or of a newer version; the
   *     buffer position is then unchanged
   * @throws NullPointerException if an argument is null
   */
  static Freelist readFrom(ByteBuffer serialized, Kind kind) {
    Freelist freelist = create(kind);
    freelist.reload(serialized);
    return freelist;
  }

  /**
   * Reads the free runs of a freelist written by {@link #writeTo} without building a freelist from
   * them, consuming {@code serialized} from its position to the end of the CRC trailer: for a
   * caller that changes the set before it builds the freelist ({@link #ofFreeRuns}). The checks are
   * those of {@link #readFrom}.
   *
   * @param serialized the bytes, starting at its position; its byte order is ignored and left
   *     unchanged
   * @return (first page, pages) pairs in ascending page order, adjacent entries merged; a new array
   *     the caller owns
   * @throws FreelistFormatException if the bytes are truncated, corrupt or of a newer version; the
   *     buffer position is then unchanged
   * @throws NullPointerException if {@code serialized} is null
   */
  static long[] readRuns(ByteBuffer serialized) {
    return FreelistFormat.read(serialized).toLongArray();
  }

  /**
   * Returns a freelist whose free pages are exactly the given runs, with nothing pending, as {@link
   * #readFrom} returns one. Its index is built once and sized for the runs up front, which is
   * cheaper than freeing the runs and releasing them; adjacent runs are merged.
   *
   * @param runs (first page, pages) pairs in ascending page order; read, not retained
   * @param length how many values of {@code runs} to use, from index 0; even
   * @param kind the implementation to build
   * @return a new freelist
   * @throws IllegalArgumentException if {@code length} is odd or out of bounds, or a run is empty,
   *     overflows, touches a meta page or overlaps or precedes the run before it
   * @throws NullPointerException if {@code runs} or {@code kind} is null
   */
  static Freelist ofFreeRuns(long[] runs, int length, Kind kind) {
    AbstractFreelist freelist = (AbstractFreelist) create(kind);
    freelist.load(AbstractFreelist.checkedRuns(runs, length));
    return freelist;
  }

  /**
   * Returns the implementation of this freelist.
   *
   * @return its kind
   */
  Kind kind();

  /**
   * Allocates {@code pageCount} contiguous free pages for write transaction {@code txid}.
   *
   * @param txid the allocating write transaction; must not be older than the newest txid already
   *     passed to {@code allocate} or {@code free}
   * @param pageCount number of pages, at least 1
   * @return the first page of the run, now in use, or {@link #NONE} if no free run is long enough
   *     (the caller then grows the file); nothing changes in that case
   * @throws IllegalArgumentException if {@code pageCount < 1}
   * @throws IllegalStateException if {@code txid} is older than the newest write txid
   */
  long allocate(long txid, int pageCount);

  /**
   * Frees {@code pageCount} pages starting at {@code startPage} on behalf of write transaction
   * {@code txid}: they become pending under {@code txid} and free only once released.
   *
   * @param txid the freeing write transaction; must not be older than the newest write txid
   * @param startPage first page of the run
   * @param pageCount number of pages, at least 1
   * @throws IllegalArgumentException if {@code pageCount < 1} or the run overflows a {@code long}
   * @throws IllegalStateException naming the pages if the run touches a meta page (0 or 1) or a
   *     page that is already free or pending (double free); nothing changes in that case. Also if
   *     {@code txid} is older than the newest write txid.
   */
  void free(long txid, long startPage, int pageCount);

  /**
   * Makes free every pending page that was freed by a txid strictly below {@code oldestReaderTxid},
   * the oldest snapshot any reader still uses (pass {@code Long.MAX_VALUE} when there is no
   * reader). Released runs merge with their free neighbours.
   *
   * @param oldestReaderTxid txid of the oldest open reader's snapshot
   */
  void release(long oldestReaderTxid);

  /**
   * bbolt's refinement for long-running readers: makes free the pending pages freed by a txid in
   * {@code [beginTxid, endTxid]} whose allocating txid is {@code >= beginTxid}. Such pages were
   * born and died between two reader snapshots, so no reader can see them. Pages of unknown
   * allocating txid are left pending. Does nothing if {@code beginTxid > endTxid}.
   *
   * @param beginTxid first txid of the gap between readers (inclusive)
   * @param endTxid last txid of the gap (inclusive)
   */
  void releaseRange(long beginTxid, long endTxid);

  /**
   * Undoes every {@link #allocate} and {@link #free} of write transaction {@code txid}: the pages
   * it allocated become free again, the pages it freed are in use again (with their allocating txid
   * restored), and the free runs are exactly those before the transaction started. Does nothing if
   * {@code txid} allocated and freed nothing.
   *
   * @param txid the open write transaction
   * @throws IllegalStateException if a newer txid has allocated or freed since (an older txid has
   *     committed and cannot be rolled back), or if its pages were released meanwhile
   */
  void rollback(long txid);

  /**
   * Returns the number of free pages (pending pages not included).
   *
   * @return free page count
   */
  long freeCount();

  /**
   * Returns the number of pending pages, over all txids.
   *
   * @return pending page count
   */
  long pendingCount();

  /**
   * Returns whether {@code page} is free (pending pages are not).
   *
   * @param page any page id
   * @return true if {@link #allocate} may hand it out
   */
  boolean isFree(long page);

  /**
   * Returns whether {@code page} is pending (freed but not yet released).
   *
   * @param page any page id
   * @return true if pending under some txid
   */
  boolean isPending(long page);

  /**
   * Returns the free runs, maximal (adjacent free pages are one run) and in ascending page order.
   * Pending pages are not included. The list is a snapshot owned by the caller.
   *
   * @return the free runs; costs O(r log r) for r runs
   */
  List<Span> spans();

  /**
   * Replaces the whole state with the runs serialized at {@code serialized}'s position, consuming
   * them: everything read is free; nothing is pending; allocation tracking and the write-txid order
   * start afresh.
   *
   * @param serialized bytes written by {@link #writeTo} (of either kind)
   * @throws FreelistFormatException if the bytes are truncated, corrupt or of a newer version; the
   *     freelist and the buffer position are then unchanged
   */
  void reload(ByteBuffer serialized);

  /** Forgets everything: no page is free or pending, and no allocation is tracked. */
  void clear();

  /**
   * Returns the exact number of bytes {@link #writeTo} writes in the current state. Allocating
   * never increases it, so a caller may size the freelist's own pages first and allocate them
   * afterwards (as bbolt does).
   *
   * @return header, 12 bytes per run entry (free and pending) and the CRC trailer
   * @throws IllegalStateException if the serialized form would exceed {@code Integer.MAX_VALUE}
   *     bytes
   */
  int serializedSize();

  /**
   * Writes the free and pending runs, the latter as free, at {@code target}'s position and advances
   * it by {@link #serializedSize()}. The buffer's byte order is ignored and left unchanged.
   *
   * @param target buffer with at least {@link #serializedSize()} bytes remaining
   * @throws IllegalArgumentException if fewer bytes remain; nothing is written then
   * @throws java.nio.ReadOnlyBufferException if {@code target} is read-only
   */
  void writeTo(ByteBuffer target);

  /**
   * Checks every internal invariant: the indexes agree with one another, runs neither overlap nor
   * touch (adjacent free runs are merged), no page is both free and pending, nothing touches the
   * meta pages, and the counts match. Meant for tests and for an engine's integrity check; costs
   * time linear in the number of runs and pages tracked.
   *
   * @throws IllegalStateException describing the first violation found
   */
  void checkInvariants();
}
