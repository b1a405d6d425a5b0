package dev.strata.cli;

/**
 * The store or a proof failed a check the command made itself (a ledger proof that does not verify
 * offline). Reported as one line; exit code 1, like a store that fails {@code verifyIntegrity()}.
 */
final class CheckFailedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  CheckFailedException(String message) {
    super(message);
  }
}
