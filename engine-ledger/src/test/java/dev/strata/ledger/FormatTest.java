package dev.strata.ledger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.CorruptionException;
import dev.strata.api.EngineOptions;
import dev.strata.api.UnsupportedFormatException;
import dev.strata.ledger.format.RecordFormat;
import dev.strata.ledger.index.IndexCheckpoint;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stored encoding of format version 2 (FORMAT.md): its sizes, the context a reader rebuilds
 * (sequence numbers, a block's timestamp and txn id) when it starts inside a block, stored fields
 * outside the canonical bytes that are forged with a valid checksum, and the refusal of version 1.
 */
class FormatTest {
  @TempDir Path dir;

  private static byte[] key(int i) {
    return String.format("key-%012d", i).getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  @Test
  void firstOnePutTransaction_of16ByteKeyAnd100ByteValue_stores172Bytes() throws Exception {
    try (LedgerEngine e = LedgerEngine.open(dir, EngineOptions.defaults())) {
      e.put(key(1), new byte[100]);
    }
    List<LedgerFiles.Span> records = LedgerFiles.records(LedgerFiles.segment(dir, 0));
    assertEquals(2, records.size());
    // Txn id 1 takes one varint byte; FORMAT.md's 174 assumes the 3 bytes of ids up to 2^21.
    assertEquals(134, records.get(0).length(), "first entry: 2 + 128 + 4");
    assertEquals(RecordFormat.COMMIT_FRAME, records.get(1).length());
    assertEquals(172, records.get(0).length() + records.get(1).length());
  }

  /** Entry 17 lies inside the block, past a chunk boundary: its reader starts mid-block. */
  @Test
  void entryInsideALargeBlock_getsItsBlocksTimestampAndTxn_afterReopen() {
    try (LedgerEngine e = LedgerEngine.open(dir, EngineOptions.defaults())) {
      e.put(key(0), new byte[] {1});
      e.update(
          t -> {
            for (int i = 1; i <= 40; i++) {
              t.put(key(i), new byte[] {(byte) i});
            }
            return null;
          });
    }
    try (LedgerEngine e = LedgerEngine.open(dir, EngineOptions.defaults())) {
      LedgerEntry first = e.entry(1);
      for (long seq : new long[] {16, 17, 32, 40}) {
        LedgerEntry inside = e.entry(seq);
        assertEquals(first.timestamp(), inside.timestamp(), "timestamp of entry " + seq);
        assertEquals(first.txnId(), inside.txnId(), "txn of entry " + seq);
        assertArrayEquals(key((int) seq), inside.key());
        assertTrue(
            LedgerProofs.verifyInclusion(inside, e.proveInclusion(seq, 41), e.digest()),
            "inclusion of entry " + seq);
      }
      assertEquals(first.txnId(), e.history(key(33)).get(0).txnId());
      e.verifyIntegrity();
    }
  }

  @Test
  void backPointerForgedWithAValidChecksum_isDetected() throws Exception {
    try (LedgerEngine e = LedgerEngine.open(dir, EngineOptions.defaults())) {
      e.put(key(0), new byte[] {0});
      e.update(
          t -> {
            t.put(key(1), new byte[] {1});
            t.put(key(2), new byte[] {2});
            t.put(key(3), new byte[] {3});
            return null;
          });
    }
    Path segment = LedgerFiles.segment(dir, 0);
    byte[] bytes = Files.readAllBytes(segment);
    List<LedgerFiles.Span> records = LedgerFiles.records(segment);
    // Records: entry 0, marker, first entry of txn 2, then its third entry (body byte 1 = back).
    LedgerFiles.Span third = records.get(4);
    assertEquals(RecordFormat.PUT, third.kind());
    int back = third.offset() + 2;
    bytes[back] = (byte) (bytes[back] - records.get(3).length());
    CRC32C crc = new CRC32C();
    crc.update(bytes, third.offset(), third.length() - 4);
    ByteBuffer.wrap(bytes)
        .order(ByteOrder.LITTLE_ENDIAN)
        .putInt(third.end() - 4, (int) crc.getValue());
    Files.write(segment, bytes);
    Files.delete(dir.resolve(IndexCheckpoint.FILE));
    assertThrows(
        CorruptionException.class,
        () -> {
          try (LedgerEngine e = LedgerEngine.open(dir, EngineOptions.defaults())) {
            e.verifyIntegrity();
          }
        });
  }

  @Test
  void versionOneStore_isRefusedWithUnsupportedFormat() throws Exception {
    try (LedgerEngine e = LedgerEngine.open(dir, EngineOptions.defaults())) {
      e.put(key(0), new byte[] {0});
    }
    Path segment = LedgerFiles.segment(dir, 0);
    byte[] bytes = Files.readAllBytes(segment);
    ByteBuffer header = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    header.putInt(8, 1);
    CRC32C crc = new CRC32C();
    crc.update(bytes, 0, 28);
    header.putInt(28, (int) crc.getValue());
    Files.write(segment, bytes);
    UnsupportedFormatException x =
        assertThrows(
            UnsupportedFormatException.class,
            () -> LedgerEngine.open(dir, EngineOptions.defaults()).close());
    assertTrue(x.getMessage().contains("format version 1"), x.getMessage());
    assertArrayEquals(bytes, Files.readAllBytes(segment), "the refused store is left untouched");
  }
}
