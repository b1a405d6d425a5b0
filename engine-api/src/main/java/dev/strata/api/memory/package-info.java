/**
 * The {@code memory} engine: a multi-version, heap-only implementation of the contract, used as the
 * conformance suite's reference and for consumers' unit tests. Not exported.
 */
package dev.strata.api.memory;
