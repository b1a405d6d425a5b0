package dev.strata.ledger;

import dev.strata.ledger.format.LedgerHashes;
import dev.strata.ledger.merkle.MerkleMath;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Engine-free verification of ledger proofs, following RFC 9162 sections 2.1.3.2 and 2.1.4.2. A
 * client that holds only a {@link LedgerDigest} (and, for inclusion, the entry) checks what a
 * possibly hostile store hands it. Stateless and thread-safe; never modifies its arguments.
 */
public final class LedgerProofs {
  private LedgerProofs() {}

  /**
   * Computes an entry's RFC 9162 leaf hash, {@code SHA-256(0x00 || canonicalBytes)}.
   *
   * @param canonicalBytes the entry's canonical encoding ({@link LedgerEntry#canonicalBytes()})
   * @return 32 new bytes
   * @throws NullPointerException if {@code canonicalBytes} is null
   */
  public static byte[] leafHash(byte[] canonicalBytes) {
    return LedgerHashes.leaf(Objects.requireNonNull(canonicalBytes, "canonicalBytes"));
  }

  /**
   * Checks that {@code entry} is entry {@code proof.seq()} of the ledger {@code digest} commits to.
   *
   * @param entry the entry as the store returned it
   * @param proof the inclusion proof
   * @param digest a trusted digest whose size equals {@code proof.treeSize()}
   * @return true if the proof holds
   * @throws NullPointerException if an argument is null
   */
  public static boolean verifyInclusion(
      LedgerEntry entry, InclusionProof proof, LedgerDigest digest) {
    Objects.requireNonNull(entry, "entry");
    Objects.requireNonNull(proof, "proof");
    Objects.requireNonNull(digest, "digest");
    return entry.seq() == proof.seq()
        && proof.treeSize() == digest.size()
        && verifyInclusion(entry.leafHash(), proof, digest.merkleRoot());
  }

  /**
   * Checks an inclusion proof for a leaf hash against a tree head (RFC 9162 2.1.3.2).
   *
   * @param leafHash the leaf's hash
   * @param proof the inclusion proof
   * @param root the trusted tree head of a tree of {@code proof.treeSize()} leaves
   * @return true if the proof holds
   * @throws NullPointerException if an argument is null
   */
  public static boolean verifyInclusion(byte[] leafHash, InclusionProof proof, byte[] root) {
    Objects.requireNonNull(leafHash, "leafHash");
    Objects.requireNonNull(proof, "proof");
    Objects.requireNonNull(root, "root");
    long index = proof.seq();
    long size = proof.treeSize();
    if (index < 0 || index >= size) {
      return false;
    }
    long fn = index;
    long sn = size - 1;
    byte[] r = leafHash;
    for (byte[] p : proof.path()) {
      if (sn == 0) {
        return false;
      }
      if ((fn & 1) == 1 || fn == sn) {
        r = LedgerHashes.node(p, r);
        if ((fn & 1) == 0) {
          while ((fn & 1) == 0 && fn != 0) {
            fn >>= 1;
            sn >>= 1;
          }
        }
      } else {
        r = LedgerHashes.node(r, p);
      }
      fn >>= 1;
      sn >>= 1;
    }
    return sn == 0 && Arrays.equals(r, root);
  }

  /**
   * Checks that the ledger {@code newer} commits to extends the one {@code older} commits to:
   * nothing in the first {@code older.size()} entries changed.
   *
   * @param proof the consistency proof
   * @param older the trusted earlier digest
   * @param newer the later digest
   * @return true if the proof holds
   * @throws NullPointerException if an argument is null
   */
  public static boolean verifyConsistency(
      ConsistencyProof proof, LedgerDigest older, LedgerDigest newer) {
    Objects.requireNonNull(proof, "proof");
    Objects.requireNonNull(older, "older");
    Objects.requireNonNull(newer, "newer");
    return proof.oldSize() == older.size()
        && proof.newSize() == newer.size()
        && verifyConsistency(proof, older.merkleRoot(), newer.merkleRoot());
  }

  /**
   * Checks a consistency proof between two tree heads (RFC 9162 2.1.4.2). A proof from an empty
   * tree is the empty path and always holds; equal sizes need an empty path and equal heads.
   *
   * @param proof the consistency proof
   * @param oldRoot the trusted head of the tree of {@code proof.oldSize()} leaves
   * @param newRoot the head of the tree of {@code proof.newSize()} leaves
   * @return true if the proof holds
   * @throws NullPointerException if an argument is null
   */
  public static boolean verifyConsistency(ConsistencyProof proof, byte[] oldRoot, byte[] newRoot) {
    Objects.requireNonNull(proof, "proof");
    Objects.requireNonNull(oldRoot, "oldRoot");
    Objects.requireNonNull(newRoot, "newRoot");
    long first = proof.oldSize();
    long second = proof.newSize();
    List<byte[]> path = new ArrayList<>(proof.path());
    if (first < 0 || first > second) {
      return false;
    }
    if (first == 0) {
      return path.isEmpty();
    }
    if (first == second) {
      return path.isEmpty() && Arrays.equals(oldRoot, newRoot);
    }
    if (MerkleMath.isPowerOfTwo(first)) {
      path.add(0, oldRoot);
    }
    if (path.isEmpty()) {
      return false;
    }
    long fn = first - 1;
    long sn = second - 1;
    while ((fn & 1) == 1) {
      fn >>= 1;
      sn >>= 1;
    }
    byte[] fr = path.get(0);
    byte[] sr = path.get(0);
    for (int i = 1; i < path.size(); i++) {
      byte[] c = path.get(i);
      if (sn == 0) {
        return false;
      }
      if ((fn & 1) == 1 || fn == sn) {
        fr = LedgerHashes.node(c, fr);
        sr = LedgerHashes.node(c, sr);
        while ((fn & 1) == 0 && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      } else {
        sr = LedgerHashes.node(sr, c);
      }
      fn >>= 1;
      sn >>= 1;
    }
    return Arrays.equals(fr, oldRoot) && Arrays.equals(sr, newRoot) && sn == 0;
  }
}
