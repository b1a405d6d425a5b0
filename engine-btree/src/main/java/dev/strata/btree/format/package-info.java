/**
 * The on-disk layout of a btree store: the page header and its checksum ({@link
 * dev.strata.btree.format.PageFormat}), the meta page ({@link dev.strata.btree.format.Meta}),
 * branch and leaf pages read in place ({@link dev.strata.btree.format.NodeView}) or edited in place
 * ({@link dev.strata.btree.format.SlottedPage}). {@code FORMAT.md} beside the module's pom
 * describes the same bytes in prose.
 *
 * <p><b>Internal.</b> The module does not export this package: its types are public only because
 * the engine's own packages use them. They are not an API and may change with the format version.
 */
package dev.strata.btree.format;
