package dev.strata.bench.freelist;

import dev.strata.freelist.Freelist;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Releasing {@code pendingPages} single pending pages, each between two free pages, so every one
 * merges with both neighbours into one run: the commit-time merge that bbolt's sorted array did
 * with a sort and an array merge. Below them lies a fragmented region of {@code freePages} free
 * pages (runs of 1–2 pages) that the array has to merge through and the hash freelist never
 * touches. {@code pendingPages=100} is a typical commit; {@code 100000} a bulk release after a long
 * reader finally closed.
 *
 * <p>Around each invocation, outside the measurement: the region is made free singles and pending
 * singles again before, and allocated back as one run after, so the freelist returns to the same
 * state without being rebuilt (rebuilding a 10<sup>7</sup>-page freelist per invocation would
 * measure the garbage collector).
 */
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class FreelistRelease extends FreelistState {
  /** Pending single pages released per invocation. */
  @Param({"100", "100000"})
  public int pendingPages;

  /** Free pages in the fragmented region below them. */
  @Param({"0", "1000000", "10000000"})
  public long freePages;

  private Freelist freelist;
  private long regionStart;
  private long txid = 2;

  /** Creates the benchmark; JMH instantiates it. */
  public FreelistRelease() {}

  /** Builds the fragmented region once per trial. */
  @Setup(Level.Trial)
  public void buildBackground() {
    freelist = Freelist.create(kind);
    regionStart = Layouts.fragment(freelist, 2, freePages);
    freelist.release(2);
  }

  /** Frees the region as alternating free and pending single pages, outside the measurement. */
  @Setup(Level.Invocation)
  public void makePendingPages() {
    long freeing = ++txid;
    for (int i = 0; i <= pendingPages; i++) {
      freelist.free(freeing, regionStart + 2L * i, 1);
    }
    freelist.release(freeing + 1);
    long pending = ++txid;
    for (int i = 0; i < pendingPages; i++) {
      freelist.free(pending, regionStart + 2L * i + 1, 1);
    }
  }

  /**
   * Releases the pending pages, which merge with their free neighbours.
   *
   * @return the free page count, so the JIT cannot drop the work
   */
  @Benchmark
  public long releaseAndMerge() {
    freelist.release(txid + 1);
    return freelist.freeCount();
  }

  /** Allocates the merged region back as one run, restoring the state before the invocation. */
  @TearDown(Level.Invocation)
  public void allocateRegionBack() {
    long start = freelist.allocate(++txid, 2 * pendingPages + 1);
    if (start != regionStart) {
      throw new IllegalStateException("region came back at " + start + ", not " + regionStart);
    }
  }
}
