package dev.strata.btree;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.strata.api.Limits;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Long runs, excluded by default; {@code mvn -Preliability verify} includes them. */
@Tag("soak")
class SoakTest {
  @TempDir Path dir;

  @Test
  void maxValueSize_roundTripsAcrossMappingChunks() {
    byte[] big = TestSupport.value(99, Limits.MAX_VALUE_SIZE);
    try (BTreeEngine e = TestSupport.open(dir, "btree.mapChunkSize", "64MiB")) {
      e.put(new byte[] {1}, big);
      e.put(new byte[Limits.MAX_KEY_SIZE], new byte[] {2});
      e.verifyIntegrity();
    }
    try (BTreeEngine e = TestSupport.open(dir, "btree.mapChunkSize", "64MiB")) {
      assertArrayEquals(big, e.get(new byte[] {1}));
      assertArrayEquals(new byte[] {2}, e.get(new byte[Limits.MAX_KEY_SIZE]));
      e.delete(new byte[] {1});
      e.put(new byte[] {3}, new byte[] {3});
      e.put(new byte[] {3}, new byte[] {4});
      e.verifyIntegrity();
    }
  }
}
