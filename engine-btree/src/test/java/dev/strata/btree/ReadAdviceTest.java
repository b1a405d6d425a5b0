package dev.strata.btree;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import dev.strata.api.Cursor;
import dev.strata.api.KeyRange;
import dev.strata.api.ReadTxn;
import dev.strata.btree.format.NodeView;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The store's file mappings are advised for random reads, which Linux shows in smaps, and a walk's
 * prefetch reads exactly the pages it names into the page cache, as does a scan for the leaves
 * ahead of it in its range, which {@code mincore} shows.
 */
class ReadAdviceTest {
  private static final Path SMAPS = Path.of("/proc/self/smaps");
  private static final int PAGE = 4096;

  /** The C functions the test uses to empty the page cache of a file and to look into it. */
  interface Libc extends Library {
    int open(String path, int flags);

    int posix_fadvise(int fd, long offset, long length, int advice);

    int close(int fd);

    int mincore(Pointer address, long length, byte[] residency);
  }

  @TempDir Path dir;

  @Test
  void everyMappingOfTheDataFile_isMarkedForRandomReads() throws IOException {
    assumeTrue(Files.isReadable(SMAPS), "Linux only");
    try (BTreeEngine e = TestSupport.open(dir, "btree.mapChunkSize", "65536")) {
      for (int i = 0; i < 2000; i++) {
        e.put(TestSupport.key(i), TestSupport.value(i, 100));
      }
      try (ReadTxn t = e.beginRead()) {
        for (int i = 0; i < 2000; i += 7) {
          assertArrayEquals(TestSupport.value(i, 100), t.get(TestSupport.key(i)));
        }
      }
      Path file = dir.resolve(Store.FILE_NAME).toRealPath();
      List<String> flags = vmFlagsOf(file);
      assertFalse(flags.isEmpty(), "no mapping of " + file + " in " + SMAPS);
      assertTrue(flags.size() > 1, "reads across several 64 KiB chunks: " + flags.size());
      for (String f : flags) {
        // "rr": VM_RAND_READ, what madvise(MADV_RANDOM) sets.
        assertTrue(List.of(f.split(" ")).contains("rr"), "mapping flags: " + f);
      }
    }
  }

  /** The VmFlags line of each mapping of {@code file}. */
  private static List<String> vmFlagsOf(Path file) throws IOException {
    List<String> flags = new ArrayList<>();
    boolean inMapping = false;
    for (String line : Files.readAllLines(SMAPS)) {
      if (line.matches("^[0-9a-f]+-[0-9a-f]+ .*")) {
        inMapping = line.endsWith(" " + file);
      } else if (inMapping && line.startsWith("VmFlags:")) {
        flags.add(line.substring("VmFlags:".length()).trim());
      }
    }
    return flags;
  }

  @Test
  void prefetch_readsTheNamedPagesIntoTheCache_andNoOthers() throws Exception {
    assumeTrue(Platform.isLinux(), "Linux only");
    Libc libc = Native.load("c", Libc.class);
    int pages = 256;
    Path path = dir.resolve("pages");
    try (FileChannel ch =
        FileChannel.open(
            path,
            StandardOpenOption.CREATE_NEW,
            StandardOpenOption.READ,
            StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(new byte[PAGE * pages]), 0);
      ch.force(true);
      evict(libc, path);
      MappedByteBuffer view = ch.map(FileChannel.MapMode.READ_ONLY, 0, (long) PAGE * pages);
      assumeTrue(
          resident(libc, view, pages).isEmpty(),
          "this file system keeps the file's pages in memory (tmpfs?)");

      // 16-page chunks: the run 14..17 crosses a chunk boundary; 0 and 1 (the metas) and ids at
      // or past the high-water mark are left to the walk.
      PageFile file = new PageFile(path, ch, null, null, PAGE, 16 * PAGE);
      file.prefetch(new long[] {20, 15, 300, 14, 1, 100, 17, 16, 0, 255, 256}, 11, 256);

      BitSet expected = new BitSet();
      expected.set(14, 18);
      expected.set(20);
      expected.set(100);
      expected.set(255);
      BitSet seen = resident(libc, view, pages);
      for (long deadline = System.nanoTime() + 10_000_000_000L;
          !seen.equals(expected) && System.nanoTime() < deadline;
          seen = resident(libc, view, pages)) {
        Thread.sleep(10);
      }
      assertEquals(expected, seen, "pages in the page cache");
    }
  }

  /** Drops the pages of {@code path} that no mapping holds from the page cache. */
  private static void evict(Libc libc, Path path) {
    int fd = libc.open(path.toString(), 0);
    assertTrue(fd >= 0, "open");
    assertEquals(0, libc.posix_fadvise(fd, 0, 0, 4), "POSIX_FADV_DONTNEED");
    libc.close(fd);
  }

  /** The pages of {@code view} that are in the page cache. */
  private static BitSet resident(Libc libc, MappedByteBuffer view, int pages) {
    byte[] vector = new byte[pages];
    assertEquals(0, libc.mincore(Native.getDirectBufferPointer(view), (long) PAGE * pages, vector));
    BitSet in = new BitSet();
    for (int i = 0; i < pages; i++) {
      if ((vector[i] & 1) != 0) {
        in.set(i);
      }
    }
    return in;
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void aScanThatStepsIntoTheNextLeaf_hasTheLeavesAheadInItsRangeRead(boolean descending)
      throws Exception {
    assumeTrue(Platform.isLinux() && Files.isReadable(SMAPS), "Linux only");
    Libc libc = Native.load("c", Libc.class);
    int keys = 4000;
    long[] leaves;
    long[] firstKeys;
    try (BTreeEngine e = TestSupport.open(dir)) {
      try (var w = e.beginWrite()) {
        for (int i = 0; i < keys; i++) {
          w.put(TestSupport.key(i), TestSupport.value(i, 100));
        }
        w.commit();
      }
      // Free pages, so that the next open reads the stored freelist instead of walking the tree.
      e.put(TestSupport.key(0), TestSupport.value(0, 100));
      e.put(TestSupport.key(0), TestSupport.value(0, 100));
      assertEquals(2, e.stats().get("treeDepth").intValue(), "a root branch over leaves");
      NodeView root = e.store.file.node(e.store.meta.root(), e.store.meta.highWater(), false);
      leaves = new long[root.count()];
      firstKeys = new long[root.count()];
      for (int j = 0; j < root.count(); j++) {
        leaves[j] = root.childAt(j);
        NodeView leaf = e.store.file.node(leaves[j], e.store.meta.highWater(), false);
        firstKeys[j] = ByteBuffer.wrap(leaf.keyAt(0)).getLong();
      }
      e.verifyIntegrity();
    }
    Path path = dir.resolve(Store.FILE_NAME).toRealPath();
    for (long deadline = System.nanoTime() + 10_000_000_000L;
        !vmFlagsOf(path).isEmpty() && System.nanoTime() < deadline; ) {
      System.gc();
      Thread.sleep(20);
    }
    assumeTrue(vmFlagsOf(path).isEmpty(), "the closed store's mappings are still in place");
    evict(libc, path);
    int filePages = (int) (Files.size(path) / PAGE);
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
      MappedByteBuffer view = ch.map(FileChannel.MapMode.READ_ONLY, 0, (long) PAGE * filePages);
      BitSet cold = resident(libc, view, filePages);
      for (long leaf : leaves) {
        assumeTrue(!cold.get((int) leaf), "this file system keeps the file's pages in memory");
      }

      long from = 1000;
      long to = 3000;
      KeyRange range = KeyRange.between(TestSupport.key(from), TestSupport.key(to));
      BitSet inRange = new BitSet();
      for (int j = 0; j < leaves.length; j++) {
        long last = j + 1 < leaves.length ? firstKeys[j + 1] - 1 : keys - 1;
        if (firstKeys[j] < to && last >= from) {
          inRange.set((int) leaves[j]);
        }
      }
      try (BTreeEngine e = TestSupport.open(dir);
          ReadTxn t = e.beginRead()) {
        // What opening the store read (the metas, the stored freelist and the file read-ahead of
        // those reads, which are not through the map).
        BitSet beforeScan = leavesIn(resident(libc, view, filePages), leaves);
        try (Cursor c = t.cursor(descending ? range.reversed() : range)) {
          // About 33 entries fill a leaf: 60 steps cross into the scan's second leaf and stop.
          for (int i = 0; i < 60; i++) {
            assertTrue(c.next());
            long expectedKey = descending ? to - 1 - i : from + i;
            assertArrayEquals(TestSupport.key(expectedKey), c.key());
          }
          // The kernel's read-ahead is best effort (a page it cannot allocate at once is left
          // out), so three quarters of the range's leaves are asked for; two or three are read
          // without the prefetch.
          BitSet read = inRangeRead(libc, view, filePages, leaves, inRange);
          for (long deadline = System.nanoTime() + 10_000_000_000L;
              read.cardinality() * 4 < inRange.cardinality() * 3 && System.nanoTime() < deadline;
              read = inRangeRead(libc, view, filePages, leaves, inRange)) {
            Thread.sleep(10);
          }
          assertTrue(
              read.cardinality() * 4 >= inRange.cardinality() * 3,
              read.cardinality() + " of the range's " + inRange.cardinality() + " leaves read");
          BitSet outside = leavesIn(resident(libc, view, filePages), leaves);
          outside.andNot(inRange);
          outside.andNot(beforeScan);
          assertTrue(outside.isEmpty(), "leaves outside the range read by the scan: " + outside);
        }
      }
    }
  }

  private static BitSet inRangeRead(
      Libc libc, MappedByteBuffer view, int filePages, long[] leaves, BitSet inRange) {
    BitSet read = leavesIn(resident(libc, view, filePages), leaves);
    read.and(inRange);
    return read;
  }

  private static BitSet leavesIn(BitSet pages, long[] leaves) {
    BitSet out = new BitSet();
    for (long leaf : leaves) {
      if (pages.get((int) leaf)) {
        out.set((int) leaf);
      }
    }
    return out;
  }
}
