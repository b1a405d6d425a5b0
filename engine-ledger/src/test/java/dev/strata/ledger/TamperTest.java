package dev.strata.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.CorruptionException;
import dev.strata.api.EngineOptions;
import dev.strata.api.TamperException;
import dev.strata.ledger.index.IndexCheckpoint;
import dev.strata.ledger.index.IndexEntry;
import dev.strata.ledger.index.KeyIndex;
import dev.strata.ledger.index.KeyOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tamper matrix: every single-byte change to a committed record, and every structural change (a
 * record removed, two swapped, the tail cut, a forged record appended, history rewritten and
 * re-chained) is detected by open, {@code verifyIntegrity()} or {@code verify(digest)}.
 */
class TamperTest {
  @TempDir Path tmp;
  private Path pristine;
  private LedgerDigest trusted;

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @BeforeEach
  void buildSmallLedger() throws Exception {
    pristine = tmp.resolve("pristine");
    trusted = write(pristine, "v");
  }

  private static LedgerDigest write(Path dir, String valuePrefix) {
    try (LedgerEngine e = LedgerEngine.open(dir, EngineOptions.defaults())) {
      e.update(
          t -> {
            t.put(b("k1"), b(valuePrefix + "1"));
            t.put(b("k2"), b(valuePrefix + "2"));
            return null;
          });
      e.put(b("k1"), b(valuePrefix + "3"));
      e.delete(b("k2"));
      e.update(
          t -> {
            t.put(b("k3"), b(valuePrefix + "4"));
            t.put(b("k4"), new byte[0]);
            return null;
          });
      e.put(b("k2"), b(valuePrefix + "5"));
      return e.digest();
    }
  }

  /** Opens the damaged copy and runs every check; true if any of them objects. */
  private boolean detected(Path dir) {
    try (LedgerEngine e = LedgerEngine.open(dir, EngineOptions.defaults())) {
      try {
        e.verifyIntegrity();
      } catch (CorruptionException x) {
        return true;
      }
      try {
        e.verify(trusted);
      } catch (TamperException x) {
        return true;
      }
      return false;
    } catch (CorruptionException x) {
      return true;
    }
  }

  private Path copy(String name, boolean keepCheckpoint) throws Exception {
    Path dir = tmp.resolve(name);
    LedgerFiles.deleteDir(dir);
    LedgerFiles.copyDir(pristine, dir);
    if (!keepCheckpoint) {
      Files.delete(dir.resolve(IndexCheckpoint.FILE));
    }
    return dir;
  }

  private void flipEveryByte(boolean keepCheckpoint) throws Exception {
    Path segment = LedgerFiles.segment(pristine, 0);
    byte[] original = Files.readAllBytes(segment);
    List<LedgerFiles.Span> records = LedgerFiles.records(segment);
    int tried = 0;
    List<Integer> missed = new ArrayList<>();
    for (LedgerFiles.Span r : records) {
      for (int at = r.offset(); at < r.end(); at++) {
        Path dir = copy("flip", keepCheckpoint);
        byte[] damaged = original.clone();
        damaged[at] ^= (byte) (1 << (at % 8));
        Files.write(LedgerFiles.segment(dir, 0), damaged);
        tried++;
        if (!detected(dir)) {
          missed.add(at);
        }
      }
    }
    System.out.println(
        "tamper matrix ("
            + (keepCheckpoint ? "with" : "without")
            + " checkpoint): "
            + (tried - missed.size())
            + "/"
            + tried
            + " single-bit flips over "
            + records.size()
            + " records detected");
    assertEquals(List.of(), missed, "undetected flips at offsets");
  }

  @Test
  void flipAnyByteOfACommittedRecord_isDetected_withCheckpoint() throws Exception {
    flipEveryByte(true);
  }

  @Test
  void flipAnyByteOfACommittedRecord_isDetected_withoutCheckpoint() throws Exception {
    flipEveryByte(false);
  }

  private byte[] without(byte[] bytes, LedgerFiles.Span span) {
    byte[] out = new byte[bytes.length - span.length()];
    System.arraycopy(bytes, 0, out, 0, span.offset());
    System.arraycopy(bytes, span.end(), out, span.offset(), bytes.length - span.end());
    return out;
  }

  @Test
  void deleteARecord_isDetected() throws Exception {
    for (boolean keep : new boolean[] {true, false}) {
      byte[] original = Files.readAllBytes(LedgerFiles.segment(pristine, 0));
      List<LedgerFiles.Span> records = LedgerFiles.records(LedgerFiles.segment(pristine, 0));
      for (int i = 0; i < records.size(); i++) {
        Path dir = copy("delete", keep);
        Files.write(LedgerFiles.segment(dir, 0), without(original, records.get(i)));
        assertTrue(detected(dir), "record " + i + " removed, checkpoint " + keep);
      }
    }
  }

  @Test
  void swapTwoRecords_isDetected() throws Exception {
    byte[] original = Files.readAllBytes(LedgerFiles.segment(pristine, 0));
    List<LedgerFiles.Span> records = LedgerFiles.records(LedgerFiles.segment(pristine, 0));
    // k1=v3 and k2=v5 are one-entry transactions that encode to equal lengths.
    LedgerFiles.Span first = records.get(3);
    LedgerFiles.Span second = records.get(records.size() - 2);
    assertEquals(first.length(), second.length(), "k1=v3 and k2=v5 encode to equal lengths");
    for (boolean keep : new boolean[] {true, false}) {
      Path dir = copy("swap", keep);
      byte[] damaged = original.clone();
      System.arraycopy(original, second.offset(), damaged, first.offset(), second.length());
      System.arraycopy(original, first.offset(), damaged, second.offset(), first.length());
      Files.write(LedgerFiles.segment(dir, 0), damaged);
      assertTrue(detected(dir), "records swapped, checkpoint " + keep);
    }
  }

  @Test
  void truncateTheTail_isDetected() throws Exception {
    byte[] original = Files.readAllBytes(LedgerFiles.segment(pristine, 0));
    List<LedgerFiles.Span> records = LedgerFiles.records(LedgerFiles.segment(pristine, 0));
    for (boolean keep : new boolean[] {true, false}) {
      for (int cut = records.size() - 1; cut >= 0; cut--) {
        Path dir = copy("truncate", keep);
        Files.write(
            LedgerFiles.segment(dir, 0), Arrays.copyOf(original, records.get(cut).offset()));
        assertTrue(detected(dir), "cut before record " + cut + ", checkpoint " + keep);
      }
    }
  }

  @Test
  void appendAForgedRecord_isDetected() throws Exception {
    byte[] original = Files.readAllBytes(LedgerFiles.segment(pristine, 0));
    List<LedgerFiles.Span> records = LedgerFiles.records(LedgerFiles.segment(pristine, 0));
    LedgerFiles.Span lastEntry = records.get(records.size() - 2);
    LedgerFiles.Span lastMarker = records.get(records.size() - 1);
    for (boolean keep : new boolean[] {true, false}) {
      Path dir = copy("forge", keep);
      byte[] forged =
          Arrays.copyOf(original, original.length + lastEntry.length() + lastMarker.length());
      System.arraycopy(
          original,
          lastEntry.offset(),
          forged,
          original.length,
          lastEntry.length() + lastMarker.length());
      Files.write(LedgerFiles.segment(dir, 0), forged);
      assertTrue(detected(dir), "last block replayed at the end, checkpoint " + keep);
    }
  }

  @Test
  void rewrittenAndRechainedHistory_failsVerifyAgainstTheTrustedDigest() throws Exception {
    Path forged = tmp.resolve("forged");
    write(forged, "X");
    try (LedgerEngine e = LedgerEngine.open(forged, EngineOptions.defaults())) {
      e.verifyIntegrity();
      TamperException t = assertThrows(TamperException.class, () -> e.verify(trusted));
      assertTrue(t.getMessage().contains("rewritten"), t.getMessage());
    }
  }

  /**
   * An index that disagrees with the log, as a forged checkpoint would load it: an entry at another
   * position, another key's entry, another kind. The log itself is intact.
   */
  @Test
  void indexDisagreeingWithTheLog_failsVerifyIntegrity() {
    List<java.util.function.Consumer<LedgerEngine>> forgeries =
        List.of(
            e -> {
              IndexEntry k3 = e.index.get(b("k3"));
              e.index.put(b("k3"), k3.seq, k3.position + 1, k3.deleted);
            },
            e -> {
              IndexEntry k1 = e.index.get(b("k1"));
              IndexEntry k3 = e.index.get(b("k3"));
              e.index.put(b("k1"), k3.seq, k3.position, k1.deleted);
            },
            e -> {
              IndexEntry k4 = e.index.get(b("k4"));
              e.index.put(b("k4"), k4.seq, k4.position, true);
            });
    for (int i = 0; i < forgeries.size(); i++) {
      try (LedgerEngine e = LedgerEngine.open(pristine, EngineOptions.defaults())) {
        e.verifyIntegrity();
        forgeries.get(i).accept(e);
        assertThrows(TamperException.class, e::verifyIntegrity, "forgery " + i);
      }
    }
  }

  /**
   * A checkpoint that lacks a key the log holds, bound correctly to the log: the open trusts it, so
   * only the index pass of {@code verifyIntegrity()} can find the missing key.
   */
  @Test
  void checkpointMissingAKey_failsVerifyIntegrity() throws Exception {
    Path forged = tmp.resolve("missing-key");
    LedgerFiles.copyDir(pristine, forged);
    IndexCheckpoint cp = IndexCheckpoint.read(forged, System.getLogger("test"));
    assertTrue(cp != null, "the pristine store was closed with a checkpoint");
    int n = cp.index.size();
    byte[][] keys = new byte[n][];
    long[] words = new long[n];
    long[] positions = new long[n];
    int kept = 0;
    KeyOrder.Scan ids = cp.index.scan(dev.strata.api.KeyRange.all());
    for (int id = ids.next(); id >= 0; id = ids.next()) {
      if (!Arrays.equals(cp.index.key(id), b("k4"))) {
        keys[kept] = cp.index.key(id);
        words[kept] = cp.index.wordOf(id);
        positions[kept++] = cp.index.positionOf(id);
      }
    }
    assertEquals(n - 1, kept);
    new IndexCheckpoint(
            cp.size,
            cp.markerPosition,
            cp.endPosition,
            cp.chainHead,
            cp.nextTxnId,
            cp.lastTimestamp,
            new KeyIndex(keys, words, positions, kept))
        .write(
            forged,
            EngineOptions.defaults().fileIO(),
            new dev.strata.api.WriteAmplificationMeter());
    try (LedgerEngine e = LedgerEngine.open(forged, EngineOptions.defaults())) {
      assertEquals(null, e.get(b("k4")), "the forged index hides k4 from reads");
      assertThrows(TamperException.class, e::verifyIntegrity);
    }
  }
}
