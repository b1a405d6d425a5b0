package dev.strata.bench.jmh;

import dev.strata.bench.Keys;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/** How fast is a random point read of a present key? One {@code engine.get} per operation. */
@State(Scope.Benchmark)
public class PointGetBenchmark extends EngineState {
  /** Creates the benchmark; JMH instantiates it. */
  public PointGetBenchmark() {}

  /**
   * Reads one random present key.
   *
   * @param choice the thread's random source
   * @return the value, so the JIT cannot drop the read
   */
  @Benchmark
  public byte[] get(ThreadRandom choice) {
    byte[] value = db.get(Keys.key(choice.random.nextLong(keys)));
    if (value == null) {
      throw new IllegalStateException(engine + " lost a key");
    }
    return value;
  }
}
