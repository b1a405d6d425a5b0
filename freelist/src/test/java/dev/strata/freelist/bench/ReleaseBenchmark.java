package dev.strata.freelist.bench;

import dev.strata.freelist.Freelist;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Releasing {@code pendingPages} single pending pages, each between two free pages, so every one
 * merges with both neighbours: the commit-time merge that bbolt's sorted array did with a sort and
 * an array merge. Below them lies a fragmented region of {@code freePages} free pages (runs of 1–2
 * pages) that the array has to merge through and the hash freelist never touches. Each invocation
 * starts from a freelist reloaded from bytes and the pending pages freed again (outside the
 * measurement; the release itself takes milliseconds).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms4g", "-Xmx4g"})
public class ReleaseBenchmark {
  @Param({"HASH", "ARRAY"})
  public Freelist.Kind kind;

  @Param({"100000"})
  public int pendingPages;

  @Param({"0", "1000000"})
  public long freePages;

  private ByteBuffer serialized;
  private long firstPending;
  private Freelist freelist;

  @Setup(Level.Trial)
  public void serialize() {
    Freelist builder = Freelist.create(Freelist.Kind.HASH);
    long page = Layouts.fragment(builder, 2, freePages);
    for (int i = 0; i <= pendingPages; i++, page += 2) {
      builder.free(1, page, 1);
    }
    firstPending = page - 2L * pendingPages - 1;
    builder.release(2);
    serialized = ByteBuffer.allocate(builder.serializedSize());
    builder.writeTo(serialized);
    serialized.flip();
  }

  @Setup(Level.Invocation)
  public void freePendingPages() {
    freelist = Freelist.readFrom(serialized.duplicate(), kind);
    for (long page = firstPending, i = 0; i < pendingPages; i++, page += 2) {
      freelist.free(2, page, 1);
    }
  }

  @Benchmark
  public long releaseAndMerge() {
    freelist.release(3);
    return freelist.freeCount();
  }
}
