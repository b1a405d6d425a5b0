package dev.strata.btree;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.strata.api.ReadTxn;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store's file mappings are advised for random reads, which Linux shows in smaps. */
class ReadAdviceTest {
  private static final Path SMAPS = Path.of("/proc/self/smaps");

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
}
