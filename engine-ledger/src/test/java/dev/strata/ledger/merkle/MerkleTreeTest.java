package dev.strata.ledger.merkle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.WriteAmplificationMeter;
import dev.strata.api.spi.FileIO;
import dev.strata.ledger.ConsistencyProof;
import dev.strata.ledger.InclusionProof;
import dev.strata.ledger.LedgerProofs;
import dev.strata.ledger.Naive;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The persisted Merkle accumulator against the naive RFC 9162 definitions, sizes 1 to 300. */
class MerkleTreeTest {
  @TempDir Path dir;

  private final List<byte[]> leaves = new ArrayList<>();

  private MerkleStore open(long trustedChunks) throws Exception {
    return MerkleStore.open(
        dir,
        true,
        FileIO.standard(),
        new WriteAmplificationMeter(),
        (chunk, start, end) -> {
          byte[][] out = new byte[MerkleStore.CHUNK][];
          for (int i = 0; i < MerkleStore.CHUNK; i++) {
            out[i] = leaves.get((int) chunk * MerkleStore.CHUNK + i);
          }
          return out;
        },
        trustedChunks);
  }

  private static void assertSamePath(List<byte[]> expected, List<byte[]> actual, String what) {
    assertEquals(expected.size(), actual.size(), what + ": path length");
    for (int i = 0; i < expected.size(); i++) {
      assertArrayEquals(expected.get(i), actual.get(i), what + ": hash " + i);
    }
  }

  @Test
  void rootsAndProofs_matchNaiveRecomputation_forEverySize1To300() throws Exception {
    try (MerkleStore store = open(0)) {
      for (int n = 1; n <= 300; n++) {
        byte[] leaf = Naive.leaf(new byte[] {(byte) n, (byte) (n >> 8), 42});
        leaves.add(leaf);
        store.append(leaf, n * 100L);
        List<byte[]> d = leaves.subList(0, n);
        assertArrayEquals(Naive.mth(d), store.root(n), "root of " + n);
        for (int m : probes(n, 0)) {
          List<byte[]> path = store.inclusion(m, n);
          assertSamePath(Naive.path(m, d), path, "inclusion " + m + " in " + n);
          assertTrue(
              LedgerProofs.verifyInclusion(
                  leaves.get(m), new InclusionProof(m, n, path), Naive.mth(d)),
              "verify inclusion " + m + " in " + n);
        }
        for (int m : probes(n, 1)) {
          List<byte[]> proof = store.consistency(m, n);
          assertSamePath(
              m == n ? List.of() : Naive.proof(m, d), proof, "consistency " + m + " -> " + n);
          assertTrue(
              LedgerProofs.verifyConsistency(
                  new ConsistencyProof(m, n, proof), Naive.mth(leaves.subList(0, m)), Naive.mth(d)),
              "verify consistency " + m + " -> " + n);
        }
      }
    }
    try (MerkleStore reopened = open(300 / MerkleStore.CHUNK)) {
      assertEquals(288, reopened.size(), "whole chunks survive a reopen");
      for (int n = 1; n <= 288; n++) {
        assertArrayEquals(Naive.mth(leaves.subList(0, n)), reopened.root(n), "root " + n);
      }
    }
  }

  /**
   * Leaf counts to probe in a tree of {@code n}: all of them for small trees, otherwise both ends,
   * the middle, the power-of-two boundaries and every seventh (the naive side is O(n) per hash).
   */
  private static List<Integer> probes(int n, int from) {
    List<Integer> out = new ArrayList<>();
    int last = from == 0 ? n - 1 : n;
    for (int m = from; m <= last; m++) {
      if (n <= 40
          || m <= from + 1
          || m >= last - 1
          || m == n / 2
          || Integer.bitCount(m) == 1
          || m % 7 == n % 7) {
        out.add(m);
      }
    }
    return out;
  }

  @Test
  void emptyTree_hasTheHashOfNothing() throws Exception {
    try (MerkleStore store = open(0)) {
      assertArrayEquals(Naive.sha256(), store.root(0));
    }
  }
}
