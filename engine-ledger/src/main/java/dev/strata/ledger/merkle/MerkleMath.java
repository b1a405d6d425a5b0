package dev.strata.ledger.merkle;

import dev.strata.ledger.format.LedgerHashes;

/**
 * Tree arithmetic shared by the store, the prover and the static verifier: RFC 9162 splits a tree
 * of {@code n > 1} leaves at the largest power of two smaller than {@code n}; persisted nodes are
 * laid out in post-order (a Merkle mountain range) over 16-leaf chunks. Stateless.
 */
public final class MerkleMath {
  private MerkleMath() {}

  /** The largest power of two strictly smaller than {@code n}, for {@code n >= 2}. */
  static long split(long n) {
    return Long.highestOneBit(n - 1);
  }

  /** Whether {@code n} is a positive power of two. */
  public static boolean isPowerOfTwo(long n) {
    return n > 0 && (n & (n - 1)) == 0;
  }

  /** Nodes in a post-order mountain range after {@code leaves} leaves were appended. */
  public static long nodesFor(long leaves) {
    return 2 * leaves - Long.bitCount(leaves);
  }

  /** Post-order slot of the node at {@code level} (0 = leaf) with index {@code index}. */
  static long slotOf(int level, long index) {
    return nodesFor((index + 1) << level) - 1 - Long.numberOfTrailingZeros(~index);
  }

  /** The Merkle tree head over {@code leaves[from, to)}, computed naively. */
  public static byte[] root(byte[][] leaves, int from, int to) {
    if (to - from == 1) {
      return leaves[from];
    }
    int k = (int) split(to - from);
    return LedgerHashes.node(root(leaves, from, from + k), root(leaves, from + k, to));
  }
}
