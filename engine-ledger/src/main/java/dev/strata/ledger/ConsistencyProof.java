package dev.strata.ledger;

import dev.strata.ledger.format.LedgerHashes;
import java.util.List;
import java.util.Objects;

/**
 * An RFC 9162 consistency proof: the hashes that show the tree of the first {@code oldSize} entries
 * is a prefix of the tree of the first {@code newSize} entries, i.e. that history was only appended
 * to. Check it with {@link LedgerProofs#verifyConsistency}.
 *
 * <p>Immutable and thread-safe; hashes are copied on the way in and out.
 *
 * @param oldSize the size of the earlier tree
 * @param newSize the size of the later tree
 * @param path the proof hashes, 32 bytes each, in RFC 9162 order
 */
public record ConsistencyProof(long oldSize, long newSize, List<byte[]> path) {
  /**
   * Creates a proof.
   *
   * @throws NullPointerException if {@code path} or one of its hashes is null
   */
  public ConsistencyProof {
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
    return o instanceof ConsistencyProof p
        && oldSize == p.oldSize
        && newSize == p.newSize
        && LedgerHashes.samePath(path, p.path);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(oldSize) * 31 + Long.hashCode(newSize);
  }
}
