package dev.strata.btree;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.WriteTxn;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Recycling of the page buffers of nodes in page form. */
class PageBuffersTest {
  private static final int PAGE = 4096;

  @Test
  void take_handsOutDistinctPagesOfOneSlabAndTheNext() {
    PageBuffers buffers = new PageBuffers(PAGE);
    IdentityHashMap<ByteBuffer, Boolean> seen = new IdentityHashMap<>();
    for (int i = 0; i < PageBuffers.SLAB_PAGES + 3; i++) {
      ByteBuffer b = buffers.take();
      assertEquals(PAGE, b.capacity());
      assertEquals(PAGE, b.limit());
      b.putLong(0, i);
      seen.put(b, true);
    }
    assertEquals(PageBuffers.SLAB_PAGES + 3, seen.size());
    for (ByteBuffer b : seen.keySet()) {
      // A write through one page must not show through another: each slice is its own page.
      assertTrue(b.getLong(0) >= 0 && b.getLong(0) < PageBuffers.SLAB_PAGES + 3);
    }
  }

  @Test
  void give_thenTake_returnsTheSamePageCleared() {
    PageBuffers buffers = new PageBuffers(PAGE);
    ByteBuffer b = buffers.take();
    b.position(100).limit(200);
    buffers.give(b);
    assertEquals(1, buffers.pooled());
    ByteBuffer again = buffers.take();
    assertSame(b, again);
    assertEquals(0, again.position());
    assertEquals(PAGE, again.limit());
    assertEquals(0, buffers.pooled());
  }

  @Test
  void give_keepsAtMostTheLimit() {
    PageBuffers buffers = new PageBuffers(PAGE);
    int limit = PageBuffers.MAX_POOLED_BYTES / PAGE;
    List<ByteBuffer> taken = new ArrayList<>();
    for (int i = 0; i < limit + 10; i++) {
      taken.add(buffers.take());
    }
    taken.forEach(buffers::give);
    assertEquals(limit, buffers.pooled());
  }

  /** A commit gives its written pages back, and later transactions' pages come out right. */
  @Test
  void commit_recyclesWrittenPages_andTheStoreStaysIntact(@TempDir Path dir) {
    Map<Long, byte[]> model = new HashMap<>();
    try (BTreeEngine e = TestSupport.openNoSync(dir)) {
      for (int round = 0; round < 20; round++) {
        try (WriteTxn t = e.beginWrite()) {
          for (int i = 0; i < 500; i++) {
            long k = (i * 7919L + round * 31L) % 3000;
            byte[] v = TestSupport.value(k + round, 60);
            t.put(TestSupport.key(k), v);
            model.put(k, v);
          }
          t.commit();
        }
      }
      // The first rounds split every node (object form, nothing pooled); later ones edit in place.
      assertTrue(e.store.pageBuffers.pooled() > 0, "no commit gave a page back");
      for (Map.Entry<Long, byte[]> m : model.entrySet()) {
        assertArrayEquals(m.getValue(), e.get(TestSupport.key(m.getKey())), "key " + m.getKey());
      }
      e.verifyIntegrity();
    }
  }
}
