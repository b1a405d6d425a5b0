package dev.strata.ledger;

/** What a ledger entry did to its key. */
public enum Operation {
  /** The key was set to the entry's value. */
  PUT,
  /** The key was deleted (a tombstone); the entry's value is empty. */
  DELETE
}
