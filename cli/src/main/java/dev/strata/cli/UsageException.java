package dev.strata.cli;

/**
 * A command could not run because of how it was called or what the store directory is (missing, of
 * another engine, locked, read-only without {@code --write}). Reported as one line; exit code 2.
 */
final class UsageException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  UsageException(String message) {
    super(message);
  }
}
