package dev.strata.bench.jmh;

import dev.strata.api.Durability;
import dev.strata.bench.Keys;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * How does an engine hold up under 4 threads doing 90% random gets and 10% single-put commits? The
 * score is operations (gets plus puts) per second over all threads.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(4)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(
    value = 1,
    jvmArgsAppend = {
      "--add-opens=java.base/java.nio=ALL-UNNAMED",
      "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED"
    })
public class ReadWriteMixBenchmark extends EngineState {
  /** Durability of the puts. */
  @Param({"NO_SYNC"})
  public Durability durability;

  @Override
  protected Durability durability() {
    return durability;
  }

  /** Creates the benchmark; JMH instantiates it. */
  public ReadWriteMixBenchmark() {}

  /**
   * One operation: a get nine times in ten, otherwise a one-put commit.
   *
   * @param choice the thread's random source
   * @return the value read, or null after a put
   */
  @Benchmark
  public byte[] mixed(ThreadRandom choice) {
    long id = choice.random.nextLong(keys);
    if (choice.random.nextInt(10) == 0) {
      db.put(Keys.key(id), Keys.value(choice.random, valueSize));
      return null;
    }
    return db.get(Keys.key(id));
  }
}
