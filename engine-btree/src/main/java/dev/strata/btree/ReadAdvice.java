package dev.strata.btree;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import java.lang.System.Logger.Level;
import java.nio.MappedByteBuffer;

/**
 * Tells Linux how a file mapping is read: at random ({@code madvise(MADV_RANDOM)}), as bbolt does
 * for its map and LMDB with {@code MDB_NORDAHEAD}, and which pages a walk or a scan is about to
 * read ({@code MADV_WILLNEED}). Without it a page fault on a page not in the cache reads the
 * device's whole read-ahead window around it ({@code read_ahead_kb}: 128 KiB by default, 8 MiB on
 * some virtual disks): on a store larger than memory every cold read of a node then reads up to
 * 2,048 pages, and the pages read for nothing push the ones in use out of the cache. Only a B+tree
 * read in key order gains from read-ahead, and the tree's pages are not laid out in key order. A
 * walk of the whole tree (the integrity check, the stats, the freelist rebuild at open) and a
 * scanning cursor instead name the pages they are about to read, so the kernel reads them in one
 * batch rather than one fault at a time.
 *
 * <p>Elsewhere than Linux, or when the C library cannot be reached, mappings keep the kernel's
 * default and nothing else changes. Thread-safe (stateless).
 */
final class ReadAdvice {
  private static final System.Logger LOG = System.getLogger(ReadAdvice.class.getName());

  /** {@code MADV_RANDOM} in Linux's {@code <sys/mman.h>}. */
  private static final int MADV_RANDOM = 1;

  /** {@code MADV_WILLNEED} in Linux's {@code <sys/mman.h>}. */
  private static final int MADV_WILLNEED = 3;

  private static final CLibrary LIBC = load();

  /** The memory page size, to which {@code madvise} ranges are aligned; 0 if unknown. */
  private static final long OS_PAGE = pageSize();

  /** The C functions used. */
  interface CLibrary extends Library {
    int madvise(Pointer address, long length, int advice);

    int getpagesize();
  }

  private ReadAdvice() {}

  private static CLibrary load() {
    if (!Platform.isLinux()) {
      return null;
    }
    try {
      return Native.load("c", CLibrary.class);
    } catch (LinkageError | RuntimeException e) {
      LOG.log(Level.INFO, "madvise unavailable, file mappings keep the kernel's read-ahead", e);
      return null;
    }
  }

  private static long pageSize() {
    if (LIBC == null) {
      return 0;
    }
    try {
      return Math.max(0, LIBC.getpagesize());
    } catch (LinkageError | RuntimeException e) {
      LOG.log(Level.INFO, "getpagesize unavailable, pages are not read ahead of walks", e);
      return 0;
    }
  }

  /**
   * Advises random reads for {@code mapping}, which must start at a page boundary (a file mapping
   * at a page-aligned offset does); a refusal leaves the kernel's default.
   */
  static void random(MappedByteBuffer mapping) {
    if (LIBC == null || mapping.capacity() == 0) {
      return;
    }
    Pointer address = Native.getDirectBufferPointer(mapping);
    if (LIBC.madvise(address, mapping.capacity(), MADV_RANDOM) != 0) {
      LOG.log(Level.DEBUG, "madvise(MADV_RANDOM) failed: errno {0}", Native.getLastError());
    }
  }

  /**
   * Asks the kernel to start reading bytes {@code [offset, offset + length)} of {@code mapping}
   * into the page cache and returns at once; a refusal changes nothing. The range must lie within
   * the mapping.
   */
  static void willNeed(MappedByteBuffer mapping, long offset, long length) {
    if (OS_PAGE == 0 || length <= 0) {
      return;
    }
    long from = offset - offset % OS_PAGE;
    Pointer address = Native.getDirectBufferPointer(mapping).share(from);
    if (LIBC.madvise(address, offset + length - from, MADV_WILLNEED) != 0) {
      LOG.log(Level.DEBUG, "madvise(MADV_WILLNEED) failed: errno {0}", Native.getLastError());
    }
  }
}
