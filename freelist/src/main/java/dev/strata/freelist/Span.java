package dev.strata.freelist;

/**
 * A run of {@code length} contiguous pages starting at page {@code start}: pages {@code start}
 * through {@code start + length - 1}.
 *
 * <p>The length is a {@code long} because merged free runs of a very large file may exceed {@code
 * Integer.MAX_VALUE} pages even though a single allocation or free is at most that many.
 *
 * @param start first page of the run; runs a freelist reports start at {@link
 *     Freelist#FIRST_ALLOCATABLE_PAGE} or later
 * @param length number of pages, at least 1
 */
public record Span(long start, long length) {

  /**
   * Validates the run.
   *
   * @throws IllegalArgumentException if {@code length < 1}, {@code start < 0} or the run's last
   *     page would overflow a {@code long}
   */
  public Span {
    if (length < 1) {
      throw new IllegalArgumentException("span length must be at least 1, was " + length);
    }
    if (start < 0 || start > Long.MAX_VALUE - length) {
      throw new IllegalArgumentException(
          "span start " + start + " with length " + length + " is outside 0.." + Long.MAX_VALUE);
    }
  }

  /**
   * Returns the last page of the run (inclusive).
   *
   * @return {@code start + length - 1}
   */
  public long last() {
    return start + length - 1;
  }

  /**
   * Returns whether {@code page} belongs to this run.
   *
   * @param page any page id
   * @return {@code start <= page <= last()}
   */
  public boolean contains(long page) {
    return page >= start && page - start < length;
  }
}
