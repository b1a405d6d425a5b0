package dev.strata.ledger.merkle;

import java.util.ArrayList;
import java.util.List;

/**
 * The RFC 9162 proof recursions (sections 2.1.3.1 and 2.1.4.1) over a source of subtree hashes:
 * which subtrees a proof lists, in which order. The store supplies the hashes from its persisted
 * nodes and chunk leaves. Stateless.
 */
final class ProofPaths {
  private ProofPaths() {}

  /** The hash of the subtree over leaves {@code [a, b)}. */
  interface Subtrees {
    byte[] hash(long a, long b);
  }

  /** RFC 9162 inclusion path of leaf {@code m} in the tree of the first {@code n} leaves. */
  static List<byte[]> inclusion(long m, long n, Subtrees tree) {
    List<byte[]> path = new ArrayList<>();
    inclusion(m, 0, n, tree, path);
    return path;
  }

  private static void inclusion(long m, long a, long b, Subtrees tree, List<byte[]> out) {
    if (b - a == 1) {
      return;
    }
    long k = MerkleMath.split(b - a);
    if (m < a + k) {
      inclusion(m, a, a + k, tree, out);
      out.add(tree.hash(a + k, b));
    } else {
      inclusion(m, a + k, b, tree, out);
      out.add(tree.hash(a, a + k));
    }
  }

  /** RFC 9162 consistency proof from the first {@code m} leaves to the first {@code n}. */
  static List<byte[]> consistency(long m, long n, Subtrees tree) {
    List<byte[]> path = new ArrayList<>();
    if (m > 0 && m < n) {
      subproof(m, 0, n, true, tree, path);
    }
    return path;
  }

  private static void subproof(
      long m, long a, long b, boolean whole, Subtrees tree, List<byte[]> out) {
    if (m == b) {
      if (!whole) {
        out.add(tree.hash(a, b));
      }
      return;
    }
    long k = MerkleMath.split(b - a);
    if (m <= a + k) {
      subproof(m, a, a + k, whole, tree, out);
      out.add(tree.hash(a + k, b));
    } else {
      subproof(m, a + k, b, false, tree, out);
      out.add(tree.hash(a, a + k));
    }
  }
}
