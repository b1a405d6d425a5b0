/**
 * JMH benchmarks of the page allocator alone ({@code dev.strata.freelist}): {@link
 * dev.strata.bench.freelist.FreelistAllocateFree} and {@link
 * dev.strata.bench.freelist.FreelistRelease}, each over both {@code Freelist.Kind}s.
 */
package dev.strata.bench.freelist;
