package dev.strata.ledger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.Durability;
import dev.strata.api.EngineOptions;
import dev.strata.api.TamperException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Inclusion and consistency proofs from a real ledger, checked by the static verifier for random
 * sizes, and rejected when any proof byte, the entry or the digest changes.
 */
class ProofTest {
  @TempDir Path dir;

  private static List<byte[]> flipped(List<byte[]> path, int index, int bit) {
    List<byte[]> copy = new ArrayList<>(path);
    byte[] h = copy.get(index).clone();
    h[bit / 8] ^= (byte) (1 << (bit % 8));
    copy.set(index, h);
    return copy;
  }

  private static LedgerDigest withRoot(LedgerDigest d, int bit) {
    byte[] root = d.merkleRoot();
    root[bit / 8] ^= (byte) (1 << (bit % 8));
    return new LedgerDigest(d.size(), root, d.chainHead());
  }

  @Test
  void proofs_forRandomSizes_verifyAndRejectAnyChangedByte() {
    long seed = Long.getLong("strata.test.seed", System.nanoTime());
    SplittableRandom random = new SplittableRandom(seed);
    String why = "seed " + seed + " (rerun with -Dstrata.test.seed=" + seed + ")";
    EngineOptions options = EngineOptions.builder().durability(Durability.NO_SYNC).build();
    try (LedgerEngine e = LedgerEngine.open(dir, options)) {
      List<LedgerDigest> digests = new ArrayList<>();
      int txns = 0;
      while (e.digest().size() < 700) {
        int n = 1 + random.nextInt(9);
        int txn = txns++;
        e.update(
            w -> {
              for (int i = 0; i < n; i++) {
                byte[] value = new byte[random.nextInt(40)];
                random.nextBytes(value);
                w.put(("k" + random.nextInt(200)).getBytes(), value);
              }
              return txn;
            });
        digests.add(e.digest());
      }
      for (int round = 0; round < 60; round++) {
        LedgerDigest newer = digests.get(random.nextInt(digests.size()));
        long seq = random.nextLong(newer.size());
        LedgerEntry entry = e.entry(seq);
        InclusionProof proof = e.proveInclusion(seq, newer.size());
        assertTrue(LedgerProofs.verifyInclusion(entry, proof, newer), why);
        assertFalse(
            LedgerProofs.verifyInclusion(entry, proof, withRoot(newer, random.nextInt(256))),
            why + ": changed root accepted");
        for (int i = 0; i < proof.path().size(); i++) {
          InclusionProof bad =
              new InclusionProof(seq, newer.size(), flipped(proof.path(), i, random.nextInt(256)));
          assertFalse(LedgerProofs.verifyInclusion(entry, bad, newer), why + ": path byte " + i);
        }
        if (newer.size() > 1) {
          long other = (seq + 1 + random.nextLong(newer.size() - 1)) % newer.size();
          assertFalse(
              LedgerProofs.verifyInclusion(
                  e.entry(other).leafHash(),
                  new InclusionProof(seq, newer.size(), proof.path()),
                  newer.merkleRoot()),
              why + ": another entry accepted");
        }
        LedgerDigest older = digests.get(random.nextInt(digests.size()));
        if (older.size() > newer.size()) {
          LedgerDigest t = older;
          older = newer;
          newer = t;
        }
        ConsistencyProof c = e.proveConsistency(older.size(), newer.size());
        assertTrue(LedgerProofs.verifyConsistency(c, older, newer), why);
        assertEquals(older.size() != newer.size(), !c.path().isEmpty(), why);
        if (older.size() != newer.size()) {
          assertFalse(
              LedgerProofs.verifyConsistency(c, withRoot(older, random.nextInt(256)), newer),
              why + ": changed old root accepted");
          assertFalse(
              LedgerProofs.verifyConsistency(c, older, withRoot(newer, random.nextInt(256))),
              why + ": changed new root accepted");
          for (int i = 0; i < c.path().size(); i++) {
            ConsistencyProof bad =
                new ConsistencyProof(
                    older.size(), newer.size(), flipped(c.path(), i, random.nextInt(256)));
            assertFalse(LedgerProofs.verifyConsistency(bad, older, newer), why + ": byte " + i);
          }
        }
      }
    }
  }

  @Test
  void verify_acceptsEveryEarlierDigest_andRejectsAChangedRootOrHead() {
    long seed = Long.getLong("strata.test.seed", System.nanoTime());
    SplittableRandom random = new SplittableRandom(seed);
    String why = "seed " + seed + " (rerun with -Dstrata.test.seed=" + seed + ")";
    System.out.println("ProofTest verify " + why);
    EngineOptions options = EngineOptions.builder().durability(Durability.NO_SYNC).build();
    try (LedgerEngine e = LedgerEngine.open(dir, options)) {
      // Commits of 1..40 entries: digests at sizes inside chunks and at their edges, over a
      // mountain range of several peaks.
      List<LedgerDigest> digests = new ArrayList<>();
      digests.add(e.digest());
      while (e.digest().size() < 1200) {
        int n = 1 + random.nextInt(40);
        e.update(
            w -> {
              for (int i = 0; i < n; i++) {
                w.put(("k" + random.nextInt(500)).getBytes(), new byte[random.nextInt(30)]);
              }
              return null;
            });
        digests.add(e.digest());
      }
      for (int k = 0; k < digests.size(); k += 1 + random.nextInt(4)) {
        LedgerDigest d = digests.get(k);
        e.verify(d);
        if (d.size() > 0) {
          LedgerDigest badRoot = withRoot(d, random.nextInt(256));
          assertThrows(TamperException.class, () -> e.verify(badRoot), why + " size " + d.size());
          byte[] head = d.chainHead();
          head[random.nextInt(head.length)] ^= 1;
          LedgerDigest badHead = new LedgerDigest(d.size(), d.merkleRoot(), head);
          assertThrows(TamperException.class, () -> e.verify(badHead), why + " size " + d.size());
        }
      }
      e.verifyIntegrity();
    }
  }

  @Test
  void digest_matchesNaiveRecomputationOverEntries() {
    try (LedgerEngine e =
        LedgerEngine.open(dir, EngineOptions.builder().durability(Durability.NO_SYNC).build())) {
      List<byte[]> leaves = new ArrayList<>();
      byte[] head = new byte[32];
      for (int i = 0; i < 300; i++) {
        e.put(("key" + (i % 37)).getBytes(), ("v" + i).getBytes());
        LedgerEntry entry = e.entry(i);
        byte[] canonical =
            Naive.canonical(
                1,
                entry.seq(),
                entry.timestamp(),
                entry.txnId(),
                entry.prevSeq(),
                entry.key(),
                entry.value());
        assertArrayEquals(canonical, entry.canonicalBytes());
        leaves.add(Naive.leaf(canonical));
        head = Naive.chain(head, canonical);
        LedgerDigest d = e.digest();
        assertEquals(i + 1, d.size());
        assertArrayEquals(Naive.mth(leaves), d.merkleRoot(), "root at " + (i + 1));
        assertArrayEquals(head, d.chainHead(), "chain head at " + (i + 1));
      }
    }
  }

  @Test
  void proofArguments_outsideTheCommittedLedger_areRejected() {
    try (LedgerEngine e = LedgerEngine.open(dir, EngineOptions.defaults())) {
      e.put("a".getBytes(), "1".getBytes());
      assertThrows(IllegalArgumentException.class, () -> e.proveInclusion(1, 1));
      assertThrows(IllegalArgumentException.class, () -> e.proveInclusion(0, 2));
      assertThrows(IllegalArgumentException.class, () -> e.proveConsistency(2, 1));
      assertThrows(IllegalArgumentException.class, () -> e.entry(-1));
      assertThrows(IllegalArgumentException.class, () -> e.getAt("a".getBytes(), 5));
    }
  }

  /**
   * Digests and proofs taken while the writer commits blocks that cross 16-entry chunks (their
   * Merkle work runs on the helper thread) always describe a committed state: a reader never trips
   * over the leaves of a block that is not yet in the log.
   */
  @Test
  void proofsWhileTheWriterCommits_alwaysVerify() throws Exception {
    long seed = Long.getLong("strata.test.seed", System.nanoTime());
    String why = "seed " + seed + " (rerun with -Dstrata.test.seed=" + seed + ")";
    EngineOptions options = EngineOptions.builder().durability(Durability.NO_SYNC).build();
    try (LedgerEngine e = LedgerEngine.open(dir, options)) {
      e.put("first".getBytes(), new byte[1]);
      java.util.concurrent.atomic.AtomicReference<Throwable> failed =
          new java.util.concurrent.atomic.AtomicReference<>();
      java.util.concurrent.atomic.AtomicBoolean done =
          new java.util.concurrent.atomic.AtomicBoolean();
      Thread reader =
          new Thread(
              () -> {
                SplittableRandom random = new SplittableRandom(seed ^ 1);
                try {
                  while (!done.get()) {
                    LedgerDigest d = e.digest();
                    long seq = random.nextLong(d.size());
                    InclusionProof proof = e.proveInclusion(seq, d.size());
                    if (!LedgerProofs.verifyInclusion(e.entry(seq), proof, d)) {
                      throw new AssertionError("entry " + seq + " of " + d.size());
                    }
                  }
                } catch (Throwable t) {
                  failed.compareAndSet(null, t);
                }
              });
      reader.start();
      SplittableRandom random = new SplittableRandom(seed);
      try {
        for (int txn = 0; txn < 3000 && failed.get() == null; txn++) {
          int n = 8 + random.nextInt(25);
          e.update(
              w -> {
                for (int i = 0; i < n; i++) {
                  w.put(("k" + random.nextInt(100_000)).getBytes(), new byte[20]);
                }
                return null;
              });
        }
      } finally {
        done.set(true);
        reader.join();
      }
      if (failed.get() != null) {
        throw new AssertionError(why, failed.get());
      }
      e.verifyIntegrity();
    }
  }
}
