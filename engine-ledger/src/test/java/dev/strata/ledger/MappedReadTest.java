package dev.strata.ledger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.CorruptionException;
import dev.strata.api.Cursor;
import dev.strata.api.Durability;
import dev.strata.api.EngineOptions;
import dev.strata.api.KeyRange;
import dev.strata.api.ReadTxn;
import dev.strata.api.TamperException;
import dev.strata.api.WriteTxn;
import dev.strata.api.spi.FileIO;
import dev.strata.api.spi.StorageFile;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reads through read-only mappings of the segment files: the same answers as {@code pread}, from
 * sealed segments and from the settled part of the segment being written, and a typed {@link
 * CorruptionException} (never a JVM crash) when a mapped file is damaged or cut by another program
 * while the engine has it mapped.
 */
class MappedReadTest {
  @TempDir Path dir;

  private static final int VALUE = 1000;

  private static EngineOptions options(long segmentBytes, FileIO fileIO) {
    return EngineOptions.builder()
        .durability(Durability.NO_SYNC)
        .set("ledger.segmentBytes", Long.toString(segmentBytes))
        .fileIO(fileIO)
        .build();
  }

  /** The real file system behind another {@link FileIO}: the engine reads it with pread only. */
  private static final FileIO PREAD_ONLY =
      new FileIO() {
        @Override
        public StorageFile open(Path path, OpenOption... options) throws IOException {
          return FileIO.standard().open(path, options);
        }

        @Override
        public void rename(Path source, Path target) throws IOException {
          FileIO.standard().rename(source, target);
        }

        @Override
        public void syncDirectory(Path directory) throws IOException {
          FileIO.standard().syncDirectory(directory);
        }
      };

  private static byte[] key(int i) {
    return String.format("key-%07d", i).getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] value(SplittableRandom random) {
    byte[] v = new byte[VALUE];
    random.nextBytes(v);
    return v;
  }

  /** One put per transaction, key i in the i-th: key 0's entry opens segment 0. */
  private static void putEach(LedgerEngine e, int from, int to, TreeMap<Integer, byte[]> model) {
    for (int i = from; i < to; i++) {
      byte[] v = model.get(i);
      try (WriteTxn w = e.beginWrite()) {
        w.put(key(i), v);
        w.commit();
      }
    }
  }

  private static void assertReadsMatch(LedgerEngine e, TreeMap<Integer, byte[]> model) {
    for (var entry : model.entrySet()) {
      assertArrayEquals(entry.getValue(), e.get(key(entry.getKey())), "key " + entry.getKey());
    }
    try (ReadTxn t = e.beginRead();
        Cursor c = t.cursor(KeyRange.all())) {
      for (var entry : model.entrySet()) {
        assertTrue(c.next());
        assertArrayEquals(key(entry.getKey()), c.key());
        assertArrayEquals(entry.getValue(), c.value(), "key " + entry.getKey());
      }
      assertTrue(!c.next());
    }
  }

  @Test
  void reads_throughMappings_matchPreadReads_inSealedAndActiveSegments() {
    long seed = Long.getLong("strata.test.seed", System.nanoTime());
    System.out.println("MappedReadTest seed " + seed);
    SplittableRandom random = new SplittableRandom(seed);
    TreeMap<Integer, byte[]> model = new TreeMap<>();
    // 4 MiB segments and ~1 KiB entries: one sealed segment and an active one past its first
    // mapping step, so reads come from a sealed mapping, the active mapping and pread alike.
    int keys = 6500;
    for (int i = 0; i < keys; i++) {
      model.put(i, value(random));
    }
    try (LedgerEngine e = LedgerEngine.open(dir, options(4 << 20, FileIO.standard()))) {
      putEach(e, 0, keys / 2, model);
      // Overwrite some keys so that snapshots and prevSeq links cross segments.
      for (int n = 0; n < 200; n++) {
        int i = random.nextInt(keys / 2);
        model.put(i, value(random));
        putEach(e, i, i + 1, model);
      }
      putEach(e, keys / 2, keys, model);
      assertEquals(2, e.stats().get("segments").intValue());
      assertReadsMatch(e, model);
      long mapped = e.stats().get("mappedBytes").longValue();
      // The sealed segment whole (about 4 MiB) and the active one's first full MiB steps.
      assertTrue(mapped >= (4L << 20) + (1 << 20), "mapped " + mapped);
      // Appends past the active mapping are read with pread, then through a longer mapping.
      TreeMap<Integer, byte[]> more = new TreeMap<>();
      for (int i = keys; i < keys + 1500; i++) {
        more.put(i, value(random));
      }
      putEach(e, keys, keys + 1500, more);
      model.putAll(more);
      assertReadsMatch(e, model);
      assertTrue(e.stats().get("mappedBytes").longValue() > mapped);
      e.verifyIntegrity();
    }
    try (LedgerEngine e = LedgerEngine.open(dir, options(4 << 20, PREAD_ONLY))) {
      assertReadsMatch(e, model);
      assertEquals(0L, e.stats().get("mappedBytes").longValue());
      e.verifyIntegrity();
    }
  }

  /** Writes keys 0..n one per transaction into 64 KiB segments; returns the model. */
  private TreeMap<Integer, byte[]> sealedSegments(LedgerEngine e, int n) {
    SplittableRandom random = new SplittableRandom(n);
    TreeMap<Integer, byte[]> model = new TreeMap<>();
    for (int i = 0; i < n; i++) {
      model.put(i, value(random));
    }
    putEach(e, 0, n, model);
    assertTrue(e.stats().get("segments").intValue() >= 3);
    return model;
  }

  /** The keys whose entries lie in segment 0: one put per transaction, in key order. */
  private static int keysInSegment0(Path dir) throws IOException {
    List<LedgerFiles.Span> spans = LedgerFiles.records(LedgerFiles.segment(dir, 0));
    // Each transaction is one entry and one commit marker.
    return spans.size() / 2;
  }

  @Test
  void get_ofRecordCorruptedUnderItsMapping_throwsCorruption_andVerifyReportsTamper()
      throws IOException {
    try (LedgerEngine e = LedgerEngine.open(dir, options(64 << 10, FileIO.standard()))) {
      TreeMap<Integer, byte[]> model = sealedSegments(e, 200);
      assertReadsMatch(e, model);
      assertTrue(e.stats().get("mappedBytes").longValue() > 0);
      List<LedgerFiles.Span> spans = LedgerFiles.records(LedgerFiles.segment(dir, 0));
      // Flip the last value byte of key 3's entry (the 4th entry of segment 0).
      LedgerFiles.Span entry = spans.get(6);
      try (RandomAccessFile f = new RandomAccessFile(LedgerFiles.segment(dir, 0).toFile(), "rw")) {
        int at = entry.end() - 5;
        f.seek(at);
        int b = f.read();
        f.seek(at);
        f.write(b ^ 0x40);
      }
      CorruptionException x = assertThrows(CorruptionException.class, () -> e.get(key(3)));
      assertTrue(x.getMessage().contains("checksum mismatch"), x.getMessage());
      assertArrayEquals(model.get(2), e.get(key(2)));
      try (ReadTxn t = e.beginRead();
          Cursor c = t.cursor(KeyRange.atLeast(key(3)))) {
        assertTrue(c.next());
        assertThrows(CorruptionException.class, c::value);
      }
      assertThrows(TamperException.class, e::verifyIntegrity);
    }
  }

  @Test
  void get_ofSegmentTruncatedUnderItsMapping_throwsCorruption_neverCrashes() throws IOException {
    try (LedgerEngine e = LedgerEngine.open(dir, options(64 << 10, FileIO.standard()))) {
      TreeMap<Integer, byte[]> model = sealedSegments(e, 200);
      assertReadsMatch(e, model);
      int inSegment0 = keysInSegment0(dir);
      assertTrue(inSegment0 > 20, "keys in segment 0: " + inSegment0);
      // Another program cuts the mapped segment to its header: every page past the first is gone
      // (reading one raises SIGBUS), the first reads as zeros past the end.
      try (RandomAccessFile f = new RandomAccessFile(LedgerFiles.segment(dir, 0).toFile(), "rw")) {
        f.setLength(32);
      }
      for (int i = 0; i < inSegment0; i++) {
        int k = i;
        assertFailsTyped(() -> e.get(key(k)), CorruptionException.class, "key " + k);
      }
      boolean cursorChecked = false;
      for (int attempt = 0; attempt < 3 && !cursorChecked; attempt++) {
        try (ReadTxn t = e.beginRead();
            Cursor c = t.cursor(KeyRange.all())) {
          Boolean moved = deferredFaultAllowed(c::next);
          if (moved != null) {
            assertTrue(moved);
            assertFailsTyped(c::value, CorruptionException.class, "cursor value");
            cursorChecked = true;
          }
        }
      }
      assertTrue(cursorChecked);
      // Entries of the other segments still read (once an earlier read's fault is reported).
      byte[] last = null;
      for (int attempt = 0; attempt < 3 && last == null; attempt++) {
        last = deferredFaultAllowed(() -> e.get(key(199)));
      }
      assertArrayEquals(model.get(199), last);
      // Verification reads the log through the same mappings: the cut is tampering, no crash.
      assertFailsTyped(
          () -> {
            e.verifyIntegrity();
            return null;
          },
          TamperException.class,
          "verify");
    }
  }

  /**
   * Asserts that {@code read} fails with {@code expected}, or with the JVM's report of a fault
   * under a mapping. HotSpot defers that report to the thread's next transition into the VM, which
   * may come after the read's guarded section has returned, so it can surface in this read or the
   * next; what must never happen is a value or a crash.
   */
  private static void assertFailsTyped(
      ThrowingCallable read, Class<? extends Throwable> expected, String what) {
    try {
      read.call();
    } catch (InternalError deferred) {
      assertTrue(isMappingFault(deferred), what + ": " + deferred);
      return;
    } catch (Throwable t) {
      assertTrue(expected.isInstance(t), what + ": expected " + expected.getName() + ", got " + t);
      return;
    }
    throw new AssertionError(what + ": read succeeded on a cut segment");
  }

  /** Runs {@code read}, returning null when a fault of an earlier read is reported during it. */
  private static <T> T deferredFaultAllowed(ThrowingCallable read) {
    try {
      @SuppressWarnings("unchecked")
      T result = (T) read.call();
      return result;
    } catch (InternalError deferred) {
      assertTrue(isMappingFault(deferred), String.valueOf(deferred));
      return null;
    } catch (Throwable t) {
      throw new AssertionError(t);
    }
  }

  private static boolean isMappingFault(InternalError e) {
    return String.valueOf(e.getMessage()).contains("unsafe memory access");
  }

  /** A read that may throw anything. */
  @FunctionalInterface
  private interface ThrowingCallable {
    Object call() throws Throwable;
  }

  @Test
  void get_ofSegmentTruncatedBeforeItIsMapped_throwsCorruption() throws IOException {
    int inSegment0;
    try (LedgerEngine e = LedgerEngine.open(dir, options(64 << 10, FileIO.standard()))) {
      TreeMap<Integer, byte[]> model = sealedSegments(e, 200);
      inSegment0 = keysInSegment0(dir);
      // Nothing has been read yet, so nothing is mapped: the cut is found by the mapping's size.
      assertEquals(0L, e.stats().get("mappedBytes").longValue());
      long length = LedgerFiles.segment(dir, 0).toFile().length();
      try (RandomAccessFile f = new RandomAccessFile(LedgerFiles.segment(dir, 0).toFile(), "rw")) {
        f.setLength(length / 2);
      }
      int last = inSegment0 - 1;
      CorruptionException x = assertThrows(CorruptionException.class, () -> e.get(key(last)));
      assertTrue(x.getMessage().contains(LedgerFiles.segment(dir, 0).toString()), x.getMessage());
      // What the cut left whole still reads, through a mapping of what is left.
      assertArrayEquals(model.get(0), e.get(key(0)));
      long mapped = e.stats().get("mappedBytes").longValue();
      assertTrue(mapped > 0 && mapped <= length / 2, "mapped " + mapped);
    }
  }
}
