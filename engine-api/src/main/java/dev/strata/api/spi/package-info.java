/**
 * Building blocks for engine implementers: pieces of the contract's machinery that every backend
 * needs in the same form. Application code does not need this package.
 */
package dev.strata.api.spi;
