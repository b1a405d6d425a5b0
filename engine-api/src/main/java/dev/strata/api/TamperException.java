package dev.strata.api;

/**
 * Thrown by the {@code ledger} engine when its history fails verification: a record whose hash
 * chain, Merkle root or checksum does not match, a truncated tail, or a history that no longer
 * extends a digest the caller trusts.
 *
 * <p>It is a {@link CorruptionException}, so code that handles corruption generically also handles
 * tampering; {@link #sequence()} names the first bad entry.
 */
public class TamperException extends CorruptionException {
  private static final long serialVersionUID = 1L;

  private final long sequence;

  /**
   * Creates the exception.
   *
   * @param sequence the sequence number of the first entry that failed verification
   * @param message names the file, offset and the check that failed
   */
  public TamperException(long sequence, String message) {
    super(message);
    this.sequence = sequence;
  }

  /**
   * Returns the sequence number of the first entry that failed verification.
   *
   * @return the first bad sequence number
   */
  public long sequence() {
    return sequence;
  }
}
