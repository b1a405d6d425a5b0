/**
 * The {@code ledger} subcommand of {@code strata-bench}: the ledger engine's append, verify, read,
 * open and proof figures, each compared with the SHA-256 bound measured in the same JVM. Uses only
 * the ledger's public API ({@code dev.strata.ledger}) and its documented setting and file names.
 */
package dev.strata.bench.ledger;
