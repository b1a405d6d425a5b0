/**
 * Strata's page-run allocator: {@link dev.strata.freelist.Freelist} with a hash-segregated
 * implementation and the sorted-array baseline. Depends on nothing of Strata.
 */
module dev.strata.freelist {
  requires it.unimi.dsi.fastutil;

  exports dev.strata.freelist;
}
