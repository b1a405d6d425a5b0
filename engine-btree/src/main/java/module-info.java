/**
 * The {@code btree} backend of Strata: a single-file, memory-mapped, copy-on-write B+tree with one
 * writer and lock-free snapshot readers. Open it with {@code StorageEngines.open("btree", dir)}.
 */
module dev.strata.btree {
  requires transitive dev.strata.api;
  requires dev.strata.freelist;
  requires it.unimi.dsi.fastutil;
  requires com.sun.jna;

  exports dev.strata.btree;

  provides dev.strata.api.StorageEngineProvider with
      dev.strata.btree.BTreeEngineProvider;
}
