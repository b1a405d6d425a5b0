package dev.strata.ledger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.EngineFailedException;
import dev.strata.api.EngineOptions;
import dev.strata.api.StorageFullException;
import dev.strata.api.StorageIOException;
import dev.strata.ledger.merkle.MerkleStore;
import dev.strata.tck.reliability.FaultyFileIO;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A write that fails half way (full disk, I/O error) through the log's file-I/O seam: the commit
 * throws the typed exception, leaves no trace before or after a reopen, the engine refuses further
 * writes but keeps serving reads, and the reopened store verifies.
 */
class WriteFailureTest {
  @TempDir Path dir;

  private static byte[] b(String s) {
    return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  /**
   * Appends a transaction of 40 puts and a delete (large enough for the Merkle helper thread) whose
   * block write stops half way with {@code failure}, checks that it left no trace before and after
   * a reopen, and returns what the commit threw.
   */
  private Exception failHalfway(Exception failure, Class<? extends Exception> expected)
      throws Exception {
    LedgerDigest before;
    long sizeBefore;
    Exception thrown;
    try (LedgerEngine e = LedgerEngine.open(dir, EngineOptions.defaults())) {
      e.put(b("kept"), b("1"));
      before = e.digest();
      sizeBefore = Files.size(LedgerFiles.segment(dir, 0));
      e.log.blockWriter =
          (file, block, offset) -> {
            block.limit(block.position() + block.remaining() / 2);
            file.writeFully(block, offset);
            if (failure instanceof IOException io) {
              throw io;
            }
            throw (RuntimeException) failure;
          };
      thrown =
          assertThrows(
              expected,
              () ->
                  e.update(
                      t -> {
                        for (int i = 0; i < 40; i++) {
                          t.put(b("lost" + i), b("2"));
                        }
                        t.delete(b("kept"));
                        return null;
                      }));
      assertEquals(sizeBefore, Files.size(LedgerFiles.segment(dir, 0)), "half block cut back");
      assertNull(e.get(b("lost0")));
      assertArrayEquals(b("1"), e.get(b("kept")));
      assertEquals(before, e.digest());
      assertThrows(EngineFailedException.class, () -> e.put(b("again"), b("3")));
      e.verifyIntegrity();
    }
    try (LedgerEngine e = LedgerEngine.open(dir, EngineOptions.defaults())) {
      assertNull(e.get(b("lost0")));
      assertArrayEquals(b("1"), e.get(b("kept")));
      e.verify(before);
      e.put(b("after"), b("4"));
      e.verifyIntegrity();
    }
    return thrown;
  }

  @Test
  void diskFull_midAppend_rollsBackAndRefusesWritesUntilReopen() throws Exception {
    failHalfway(new IOException("No space left on device"), StorageFullException.class);
  }

  @Test
  void ioError_midAppend_rollsBackAndRefusesWritesUntilReopen() throws Exception {
    failHalfway(new IOException("Input/output error"), StorageIOException.class);
  }

  /**
   * An unchecked exception after half the block reached the log (a bug in a seam, or the JVM out of
   * memory) is rethrown as it is, and leaves no more trace than an I/O error.
   */
  @Test
  void uncheckedFailure_midAppend_rollsBackAndRefusesWritesUntilReopen() throws Exception {
    IllegalStateException bug = new IllegalStateException("a bug in the write path");
    assertSame(bug, failHalfway(bug, IllegalStateException.class));
  }

  /**
   * The block reaches the log but the Merkle node write after it fails: the commit fails, the log
   * is cut back, and the digest and proofs the failed engine still serves are those of the
   * committed state, not of an accumulator holding the lost block's leaves.
   */
  @Test
  void merkleWriteFailure_afterTheBlock_leavesDigestAndProofsOfTheCommittedState()
      throws Exception {
    FaultyFileIO io = new FaultyFileIO();
    LedgerDigest before;
    try (LedgerEngine e = LedgerEngine.open(dir, EngineOptions.builder().fileIO(io).build())) {
      for (int i = 0; i < 10; i++) {
        e.put(b("k" + i), b("v" + i));
      }
      before = e.digest();
      // A commit that completes enough chunks for the writer to flush writes its block, then the
      // chunk slots, then the nodes: fail the third write.
      io.record(true);
      io.arm(FaultyFileIO.Fault.FAIL_WRITE, io.callCount() + 2);
      assertThrows(
          StorageIOException.class,
          () ->
              e.update(
                  t -> {
                    for (int i = 0; i < MerkleStore.WRITER_FLUSH_SLOTS * MerkleStore.CHUNK; i++) {
                      t.put(b("lost" + i), b("x"));
                    }
                    return null;
                  }));
      List<FaultyFileIO.Call> calls = io.calls();
      assertEquals(FaultyFileIO.Op.WRITE, io.firedOn());
      assertTrue(calls.get(2).path().endsWith(MerkleStore.NODES_FILE), "calls " + calls);
      assertEquals(before, e.digest());
      for (long seq = 0; seq < before.size(); seq++) {
        InclusionProof proof = e.proveInclusion(seq, before.size());
        assertTrue(LedgerProofs.verifyInclusion(e.entry(seq), proof, before), "entry " + seq);
      }
      assertNull(e.get(b("lost0")));
      e.verifyIntegrity();
    }
    try (LedgerEngine e = LedgerEngine.open(dir, EngineOptions.defaults())) {
      e.verify(before);
      assertNull(e.get(b("lost0")));
      e.verifyIntegrity();
    }
  }
}
