package dev.strata.bench.freelist;

import dev.strata.freelist.Freelist;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One write transaction's worth of allocator work as a function of free-space size: allocate a run,
 * free it (pending), release it (it merges back). The layout is {@link Layouts#fragmented}, so the
 * state after each operation equals the state before it and every invocation measures the same
 * thing.
 *
 * <p>{@code request=1} asks for single pages (an exact-size run always exists); {@code
 * request=8-64} cycles through seeded random sizes 8..64, which only the tail run can satisfy.
 */
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class FreelistAllocateFree extends FreelistState {
  /** Free pages in the fragmented region. */
  @Param({"1000", "10000", "100000", "1000000", "10000000"})
  public long freePages;

  /** Pages per request: {@code 1}, or seeded random sizes {@code 8-64}. */
  @Param({"1", "8-64"})
  public String request;

  private Freelist freelist;
  private final int[] sizes = new int[1024];
  private int next;
  private long txid = 2;

  /** Creates the benchmark; JMH instantiates it. */
  public FreelistAllocateFree() {}

  /** Builds the layout and the request sizes. */
  @Setup(Level.Trial)
  public void setUp() {
    freelist = Layouts.fragmented(kind, freePages);
    SplittableRandom random = new SplittableRandom(64);
    for (int i = 0; i < sizes.length; i++) {
      sizes[i] = request.equals("1") ? 1 : random.nextInt(8, 65);
    }
  }

  /**
   * Allocates a run, frees it and releases it, which merges it back.
   *
   * @return the run's first page, so the JIT cannot drop the work
   */
  @Benchmark
  public long allocateFreeRelease() {
    int pageCount = sizes[next++ & (sizes.length - 1)];
    long writer = ++txid;
    long start = freelist.allocate(writer, pageCount);
    freelist.free(writer, start, pageCount);
    freelist.release(writer + 1);
    return start;
  }
}
