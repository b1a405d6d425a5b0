package dev.strata.btree;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.StorageEngine;
import dev.strata.api.StorageEngines;
import dev.strata.btree.format.PageFormat;
import dev.strata.btree.internal.Diagnostics;
import dev.strata.freelist.Span;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The benchmark programs' hook: free runs as the allocator holds them, names of the layout. */
class DiagnosticsTest {
  @TempDir Path dir;

  @Test
  void freeRuns_matchTheAllocator_andAddUpToTheFreePagesStat() {
    try (BTreeEngine e = TestSupport.open(dir.resolve("s"), "btree.pageSize", "1024")) {
      for (int i = 0; i < 200; i++) {
        e.put(TestSupport.key(i), new byte[600]);
      }
      for (int i = 0; i < 200; i += 2) {
        e.delete(TestSupport.key(i));
      }
      // Pages freed by a commit are pending until a later commit releases them.
      e.put(TestSupport.key(1000), new byte[1]);
      e.put(TestSupport.key(1000), new byte[2]);
      List<Span> runs = Diagnostics.freeRuns(e);
      assertEquals(e.store.freelist.spans(), runs);
      assertTrue(runs.size() > 10, "deleting every other overflow value frees scattered runs");
      long free = runs.stream().mapToLong(Span::length).sum();
      assertEquals(((Number) e.stats().get("freePages")).longValue(), free);
      e.verifyIntegrity();
    }
    assertTrue(Files.exists(dir.resolve("s").resolve(Diagnostics.DATA_FILE)));
    assertEquals(PageFormat.HEADER_SIZE, Diagnostics.PAGE_HEADER);
  }

  @Test
  void freeRuns_ofAnotherEngine_throwIllegalArgument() {
    try (StorageEngine memory = StorageEngines.open("memory", dir.resolve("m"))) {
      assertThrows(IllegalArgumentException.class, () -> Diagnostics.freeRuns(memory));
    }
    assertThrows(NullPointerException.class, () -> Diagnostics.freeRuns(null));
  }
}
