package dev.strata.bench.jmh;

import dev.strata.api.Durability;
import dev.strata.bench.Keys;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;

/**
 * How does an engine hold up under 4 threads doing 90% random gets and 10% single-put commits? The
 * score is operations (gets plus puts) per second over all threads.
 */
@State(Scope.Benchmark)
@Threads(4)
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
