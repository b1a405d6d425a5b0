package dev.strata.btree;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.Cursor;
import dev.strata.api.KeyRange;
import dev.strata.api.ReadTxn;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reads skip the per-call interrupt shield and map chunks under their own: a store's first reads
 * after open map its file, and doing so on an interrupted thread must not close the channel.
 */
class InterruptedReadTest {
  @TempDir Path dir;

  @Test
  void firstReadsAfterOpen_onAnInterruptedThread_mapTheFile_keepTheFlag_andLeaveTheStoreUsable() {
    try (BTreeEngine e = TestSupport.open(dir, "btree.mapChunkSize", "65536")) {
      e.update(
          t -> {
            for (int i = 0; i < 3000; i++) {
              t.put(TestSupport.key(i), TestSupport.value(i, 60));
            }
            return null;
          });
    }
    try (BTreeEngine e = TestSupport.open(dir, "btree.mapChunkSize", "65536")) {
      try (ReadTxn r = e.beginRead()) {
        Thread.currentThread().interrupt();
        try {
          for (int i = 0; i < 3000; i += 7) {
            assertArrayEquals(TestSupport.value(i, 60), r.get(TestSupport.key(i)), "key " + i);
          }
          int n = 0;
          try (Cursor c = r.cursor(KeyRange.all())) {
            while (c.next()) {
              assertEquals(60, c.value().length);
              n++;
            }
          }
          assertEquals(3000, n);
          assertTrue(Thread.currentThread().isInterrupted(), "the caller's interrupt flag is kept");
        } finally {
          Thread.interrupted();
        }
      }
      e.put(TestSupport.key(5000), TestSupport.value(5000, 60));
      assertArrayEquals(TestSupport.value(5000, 60), e.get(TestSupport.key(5000)));
      e.verifyIntegrity();
    }
  }
}
