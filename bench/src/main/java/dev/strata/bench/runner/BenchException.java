package dev.strata.bench.runner;

/** A bench run failed: an engine threw, or the machine cannot run the requested experiment. */
public final class BenchException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what failed, printed without a stack trace
   */
  public BenchException(String message) {
    super(message);
  }

  /**
   * Creates the exception with its cause.
   *
   * @param message what failed
   * @param cause the underlying failure, printed with its stack trace
   */
  public BenchException(String message, Throwable cause) {
    super(message, cause);
  }
}
