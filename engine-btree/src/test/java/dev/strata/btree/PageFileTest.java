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
  void readingAPage_marksItVerified_andWritingClearsIt() {
    try (BTreeEngine e = TestSupport.open(dir)) {
      e.put(new byte[] {1}, new byte[] {1});
      long root = e.store.meta.root();
      assertFalse(e.store.file.isVerified(root));
      e.get(new byte[] {1});
      assertTrue(e.store.file.isVerified(root));
      e.put(new byte[] {2}, new byte[] {2});
      e.put(new byte[] {3}, new byte[] {3});
      long newRoot = e.store.meta.root();
      assertFalse(e.store.file.isVerified(newRoot), "a rewritten page is verified again");
    }
  }
}
