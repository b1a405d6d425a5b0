package dev.strata.freelist;

/**
 * Serialized freelist bytes could not be read: truncated, wrong magic number, a format version this
 * library does not know, a CRC32C mismatch, or runs that are not valid (overlapping, out of order,
 * touching the reserved meta pages).
 *
 * <p>It extends {@link IllegalStateException} so callers that only catch the latter still see it; a
 * storage engine typically maps {@link Reason#UNSUPPORTED_VERSION} to its "newer format" error and
 * every other reason to its corruption error. Messages name the byte offset (relative to the buffer
 * position where reading started) and the limit that was crossed.
 */
public final class FreelistFormatException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  /** Why the bytes were rejected. */
  public enum Reason {
    /** Fewer bytes remain than the header or the declared run count needs. */
    TRUNCATED,
    /** The first four bytes are not the freelist magic number. */
    BAD_MAGIC,
    /** Written by a newer (or an unknown) format version. */
    UNSUPPORTED_VERSION,
    /** The CRC32C trailer does not match the header and runs. */
    CHECKSUM_MISMATCH,
    /** The checksum matched but the content breaks the format's rules. */
    INVALID_CONTENT
  }

  private final Reason reason;
  private final long offset;

  /**
   * Creates the exception.
   *
   * @param reason why the bytes were rejected
   * @param offset byte offset of the problem, relative to where reading started
   * @param message description naming the offending value and the limit
   */
  public FreelistFormatException(Reason reason, long offset, String message) {
    super(message + " (" + reason + " at byte offset " + offset + ")");
    this.reason = reason;
    this.offset = offset;
  }

  /**
   * Returns why the bytes were rejected.
   *
   * @return the reason, never null
   */
  public Reason reason() {
    return reason;
  }

  /**
   * Returns the byte offset of the problem relative to where reading started.
   *
   * @return a non-negative offset
   */
  public long offset() {
    return offset;
  }
}
