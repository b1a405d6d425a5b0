package dev.strata.btree;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The per-page "checksum verified" bits of the memory-mapped page file. */
class PageFileTest {
  @TempDir Path dir;

  @Test
  void pagesThisProcessWrote_areVerified_andAReopenVerifiesOnFirstRead() {
    long root;
    try (BTreeEngine e = TestSupport.open(dir)) {
      e.put(new byte[] {1}, new byte[] {1});
      root = e.store.meta.root();
      assertTrue(e.store.file.isVerified(root), "written from a checksummed heap buffer");
    }
    try (BTreeEngine e = TestSupport.open(dir)) {
      assertFalse(e.store.file.isVerified(root));
      e.get(new byte[] {1});
      assertTrue(e.store.file.isVerified(root));
    }
  }
}
