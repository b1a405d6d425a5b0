/**
 * <b>Internal</b> hooks for Strata's benchmark programs. The module does not export this package;
 * see {@link dev.strata.btree.internal.Diagnostics}.
 */
package dev.strata.btree.internal;
