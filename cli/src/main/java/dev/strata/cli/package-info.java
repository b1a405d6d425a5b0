/**
 * The {@code strata} command line. {@link dev.strata.cli.Strata} is the entry point; every command
 * is a package-private class that opens the store through {@link dev.strata.api.StorageEngines} (by
 * detection, or by the name given with {@code --engine}), read-only unless {@code --write} is
 * given.
 */
package dev.strata.cli;
