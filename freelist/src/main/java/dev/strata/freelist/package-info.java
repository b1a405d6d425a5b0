/**
 * Page-run allocation for a copy-on-write page file.
 *
 * <p>Start with {@link dev.strata.freelist.Freelist}: it states the page life cycle (in use,
 * pending under a write txid, free), the MVCC release rules, rollback and the serialized format.
 * {@link dev.strata.freelist.Freelist#hash()} is the allocator to use: free runs are indexed by
 * start page, by last page and by length, so allocating an exact-size run and merging a freed run
 * with its neighbours cost a constant number of hash operations, independent of how many pages are
 * free (bbolt's fix that took commits at 40–100 GB from seconds to a millisecond). {@link
 * dev.strata.freelist.Freelist#array()} is bbolt's original sorted array of page ids, kept as the
 * baseline for tests and benchmarks.
 *
 * <p>Nothing in this package is thread-safe; the single writer of a storage engine serializes all
 * calls.
 */
package dev.strata.freelist;
