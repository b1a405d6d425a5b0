package dev.strata.bench.runner;

/** A bench run failed: an engine threw, or the machine cannot run the requested experiment. */
final class BenchException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  BenchException(String message) {
    super(message);
  }

  BenchException(String message, Throwable cause) {
    super(message, cause);
  }
}
