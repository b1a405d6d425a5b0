package dev.strata.ledger;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * A compact commitment to a ledger's whole history at one size: the number of entries, the RFC 9162
 * Merkle tree head over them, and the hash-chain head after the last one. A client keeps a digest
 * outside the store and later checks proofs against it with {@link LedgerProofs}, or asks the store
 * to prove it still extends it with {@link LedgerEngine#verify(LedgerDigest)}.
 *
 * <p>Immutable and thread-safe; the arrays are copied on the way in and out.
 *
 * @param size the number of entries covered (entries have sequence numbers {@code 0..size-1})
 * @param merkleRoot the 32-byte Merkle tree head of the first {@code size} entries
 * @param chainHead the 32-byte hash-chain value after entry {@code size-1} (32 zero bytes when
 *     {@code size == 0})
 */
public record LedgerDigest(long size, byte[] merkleRoot, byte[] chainHead) {
  /**
   * Creates a digest.
   *
   * @throws NullPointerException if a hash is null
   * @throws IllegalArgumentException if {@code size} is negative or a hash is not 32 bytes
   */
  public LedgerDigest {
    Objects.requireNonNull(merkleRoot, "merkleRoot");
    Objects.requireNonNull(chainHead, "chainHead");
    if (size < 0) {
      throw new IllegalArgumentException("size must not be negative: " + size);
    }
    if (merkleRoot.length != 32 || chainHead.length != 32) {
      throw new IllegalArgumentException("digest hashes are 32 bytes (SHA-256)");
    }
    merkleRoot = merkleRoot.clone();
    chainHead = chainHead.clone();
  }

  /**
   * Returns a copy of the Merkle tree head.
   *
   * @return 32 bytes that belong to the caller
   */
  @Override
  public byte[] merkleRoot() {
    return merkleRoot.clone();
  }

  /**
   * Returns a copy of the chain head.
   *
   * @return 32 bytes that belong to the caller
   */
  @Override
  public byte[] chainHead() {
    return chainHead.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LedgerDigest d
        && size == d.size
        && Arrays.equals(merkleRoot, d.merkleRoot)
        && Arrays.equals(chainHead, d.chainHead);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(size) * 31 + Arrays.hashCode(merkleRoot);
  }

  @Override
  public String toString() {
    HexFormat hex = HexFormat.of();
    return "LedgerDigest[size="
        + size
        + ", merkleRoot="
        + hex.formatHex(merkleRoot)
        + ", chainHead="
        + hex.formatHex(chainHead)
        + "]";
  }
}
