package dev.strata.btree;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import java.lang.System.Logger.Level;
import java.nio.MappedByteBuffer;

/**
 * Tells Linux that a file mapping is read at random ({@code madvise(MADV_RANDOM)}), as bbolt and
 * LMDB do for theirs. Without it a page fault on a page not in the cache reads the device's whole
 * read-ahead window around it ({@code read_ahead_kb}: 128 KiB by default, 8 MiB on some virtual
 * disks): on a store larger than memory every cold read of a node then reads up to 2,048 pages, and
 * the pages read for nothing push the ones in use out of the cache. Only a B+tree read in key order
 * gains from read-ahead, and the tree's pages are not laid out in key order.
 *
 * <p>Elsewhere than Linux, or when the C library cannot be reached, mappings keep the kernel's
 * default and nothing else changes. Thread-safe (stateless).
 */
final class ReadAdvice {
  private static final System.Logger LOG = System.getLogger(ReadAdvice.class.getName());

  /** {@code MADV_RANDOM} in Linux's {@code <sys/mman.h>}. */
  private static final int MADV_RANDOM = 1;

  private static final CLibrary LIBC = load();

  /** The one C function used. */
  interface CLibrary extends Library {
    int madvise(Pointer address, long length, int advice);
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
}
