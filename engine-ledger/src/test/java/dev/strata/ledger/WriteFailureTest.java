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
import dev.strata.api.reliability.FaultyFileIO;
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

  private void failHalfway(String message, Class<? extends Exception> expected) throws Exception {
    LedgerDigest before;
    long sizeBefore;
    try (LedgerEngine e = LedgerEngine.open(dir, EngineOptions.defaults())) {
      e.put(b("kept"), b("1"));
      before = e.digest();
      sizeBefore = Files.size(LedgerFiles.segment(dir, 0));
      e.log.blockWriter =
          (file, block, offset) -> {
            block.limit(block.position() + block.remaining() / 2);
            file.writeFully(block, offset);
            throw new IOException(message);
          };
      assertThrows(
          expected,
          () ->
              e.update(
                  t -> {
                    t.put(b("lost"), b("2"));
                    t.delete(b("kept"));
                    return null;
                  }));
      assertEquals(sizeBefore, Files.size(LedgerFiles.segment(dir, 0)), "half block cut back");
      assertNull(e.get(b("lost")));
      assertArrayEquals(b("1"), e.get(b("kept")));
      assertEquals(before, e.digest());
      assertThrows(EngineFailedException.class, () -> e.put(b("again"), b("3")));
      e.verifyIntegrity();
    }
    try (LedgerEngine e = LedgerEngine.open(dir, EngineOptions.defaults())) {
      assertNull(e.get(b("lost")));
      assertArrayEquals(b("1"), e.get(b("kept")));
      e.verify(before);
      e.put(b("after"), b("4"));
      e.verifyIntegrity();
    }
  }

  @Test
  void diskFull_midAppend_rollsBackAndRefusesWritesUntilReopen() throws Exception {
    failHalfway("No space left on device", StorageFullException.class);
  }

  @Test
  void ioError_midAppend_rollsBackAndRefusesWritesUntilReopen() throws Exception {
    failHalfway("Input/output error", StorageIOException.class);
  }

  /**
   * A write that fails with an unchecked exception after half the block reached the log (a bug in a
   * seam, or the JVM out of memory): the commit rethrows it, the log is cut back, the digest is
   * that of the committed state, and the engine refuses writes until a reopen.
   */
  @Test
  void uncheckedFailure_midAppend_rollsBackAndRefusesWritesUntilReopen() throws Exception {
    LedgerDigest before;
    long sizeBefore;
    try (LedgerEngine e = LedgerEngine.open(dir, EngineOptions.defaults())) {
      e.put(b("kept"), b("1"));
      before = e.digest();
      sizeBefore = Files.size(LedgerFiles.segment(dir, 0));
      IllegalStateException bug = new IllegalStateException("a bug in the write path");
      e.log.blockWriter =
          (file, block, offset) -> {
            block.limit(block.position() + block.remaining() / 2);
            file.writeFully(block, offset);
            throw bug;
          };
      IllegalStateException thrown =
          assertThrows(
              IllegalStateException.class,
              () ->
                  e.update(
                      t -> {
                        for (int i = 0; i < 40; i++) {
                          t.put(b("lost" + i), b("2"));
                        }
                        return null;
                      }));
      assertSame(bug, thrown, "the original exception is rethrown");
      assertEquals(sizeBefore, Files.size(LedgerFiles.segment(dir, 0)), "half block cut back");
      assertNull(e.get(b("lost0")));
      assertEquals(before, e.digest());
      assertThrows(EngineFailedException.class, () -> e.put(b("again"), b("3")));
      e.verifyIntegrity();
    }
    try (LedgerEngine e = LedgerEngine.open(dir, EngineOptions.defaults())) {
      e.verify(before);
      assertNull(e.get(b("lost0")));
      e.put(b("after"), b("4"));
      e.verifyIntegrity();
    }
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
      // The commit writes its block, then the chunk slot, then the nodes: fail the third write.
      io.record(true);
      io.arm(FaultyFileIO.Fault.FAIL_WRITE, io.callCount() + 2);
      assertThrows(
          StorageIOException.class,
          () ->
              e.update(
                  t -> {
                    for (int i = 0; i < 20; i++) {
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
