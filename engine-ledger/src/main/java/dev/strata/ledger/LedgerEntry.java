package dev.strata.ledger;

import dev.strata.ledger.format.LedgerHashes;
import dev.strata.ledger.format.RecordFormat;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * One committed write as the ledger stores and hashes it. {@link #canonicalBytes()} is the exact
 * byte string that the hash chain and the Merkle leaf cover (see {@code FORMAT.md}), so a client
 * can recompute {@link #leafHash()} and check an {@link InclusionProof} without trusting the store.
 *
 * <p>Immutable and thread-safe; key and value are copied on the way in and out.
 *
 * @param seq the sequence number, 0-based and gapless across the ledger (the Merkle leaf index)
 * @param timestamp the commit time, microseconds since the epoch; equal for all entries of a txn
 * @param txnId the id of the transaction that wrote the entry
 * @param prevSeq the sequence number of the previous entry of the same key, or -1 for none
 * @param operation {@link Operation#PUT} or {@link Operation#DELETE}
 * @param key the key, 1 to {@link dev.strata.api.Limits#MAX_KEY_SIZE} bytes
 * @param value the value; empty for a delete
 */
public record LedgerEntry(
    long seq,
    long timestamp,
    long txnId,
    long prevSeq,
    Operation operation,
    byte[] key,
    byte[] value) {
  /**
   * Creates an entry.
   *
   * @throws NullPointerException if {@code operation}, {@code key} or {@code value} is null
   */
  public LedgerEntry {
    Objects.requireNonNull(operation, "operation");
    key = Objects.requireNonNull(key, "key").clone();
    value = Objects.requireNonNull(value, "value").clone();
  }

  /**
   * Returns a copy of the key.
   *
   * @return a new array that belongs to the caller
   */
  @Override
  public byte[] key() {
    return key.clone();
  }

  /**
   * Returns a copy of the value.
   *
   * @return a new array that belongs to the caller; empty for a delete
   */
  @Override
  public byte[] value() {
    return value.clone();
  }

  /**
   * Returns the canonical encoding the chain and the Merkle leaf hash cover.
   *
   * @return a new array that belongs to the caller
   */
  public byte[] canonicalBytes() {
    return RecordFormat.canonical(
        operation == Operation.PUT ? RecordFormat.PUT : RecordFormat.DELETE,
        seq,
        timestamp,
        txnId,
        prevSeq,
        key,
        value);
  }

  /**
   * Returns the RFC 9162 leaf hash, {@code SHA-256(0x00 || canonicalBytes())}.
   *
   * @return 32 new bytes that belong to the caller
   */
  public byte[] leafHash() {
    return LedgerHashes.leaf(canonicalBytes());
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LedgerEntry e
        && seq == e.seq
        && timestamp == e.timestamp
        && txnId == e.txnId
        && prevSeq == e.prevSeq
        && operation == e.operation
        && Arrays.equals(key, e.key)
        && Arrays.equals(value, e.value);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(seq) * 31 + Arrays.hashCode(key);
  }

  @Override
  public String toString() {
    return "LedgerEntry[seq="
        + seq
        + ", timestamp="
        + timestamp
        + ", txnId="
        + txnId
        + ", prevSeq="
        + prevSeq
        + ", "
        + operation
        + ", key="
        + HexFormat.of().formatHex(key)
        + ", value="
        + value.length
        + " bytes]";
  }
}
