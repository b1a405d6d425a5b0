package dev.strata.ledger;

import dev.strata.ledger.format.LedgerHashes;
import java.util.List;
import java.util.Objects;

/**
 * An RFC 9162 inclusion proof (audit path): the sibling hashes from entry {@code seq}'s leaf up to
 * the root of the tree of the first {@code treeSize} entries, lowest first. Check it with {@link
 * LedgerProofs#verifyInclusion}.
 *
 * <p>Immutable and thread-safe; hashes are copied on the way in and out.
 *
 * @param seq the sequence number (leaf index) of the proved entry
 * @param treeSize the size of the tree the proof is for
 * @param path the sibling hashes, 32 bytes each, leaf level first
 */
public record InclusionProof(long seq, long treeSize, List<byte[]> path) {
  /**
   * Creates a proof.
   *
   * @throws NullPointerException if {@code path} or one of its hashes is null
   */
  public InclusionProof {
    path = LedgerHashes.copyPath(Objects.requireNonNull(path, "path"));
  }

  /**
   * Returns a copy of the path.
   *
   * @return new arrays that belong to the caller
   */
  @Override
  public List<byte[]> path() {
    return LedgerHashes.copyPath(path);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof InclusionProof p
        && seq == p.seq
        && treeSize == p.treeSize
        && LedgerHashes.samePath(path, p.path);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(seq) * 31 + Long.hashCode(treeSize);
  }
}
