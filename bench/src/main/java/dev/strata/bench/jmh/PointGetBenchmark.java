package dev.strata.bench.jmh;

import dev.strata.bench.Keys;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** How fast is a random point read of a present key? One {@code engine.get} per operation. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(
    value = 1,
    jvmArgsAppend = {
      "--add-opens=java.base/java.nio=ALL-UNNAMED",
      "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED"
    })
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
