package dev.strata.bench.freelist;

import dev.strata.freelist.Freelist;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * What every freelist benchmark shares: one freelist per thread, average time per operation, both
 * implementations as a parameter, and one fork with a fixed 4 GiB heap so a 10<sup>7</sup>-page
 * freelist never waits for the heap to grow. Subclasses choose their time unit, iterations and the
 * free-space layout.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms4g", "-Xmx4g"})
public abstract class FreelistState {
  /** The implementation measured. */
  @Param({"HASH", "ARRAY"})
  public Freelist.Kind kind;

  /** Creates the state; JMH instantiates the subclasses. */
  protected FreelistState() {}
}
