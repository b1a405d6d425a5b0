package dev.strata.bench.jmh;

import dev.strata.api.Durability;
import dev.strata.api.WriteTxn;
import dev.strata.bench.Keys;
import java.util.SplittableRandom;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * What does a commit cost with 1, 100 or 1,000 puts in it, synced or not? One write transaction of
 * {@code batch} random overwrites per operation: the score is commits per second (multiply by
 * {@code batch} for puts per second).
 */
@State(Scope.Benchmark)
public class BatchedPutBenchmark extends EngineState {
  /** Puts per commit. */
  @Param({"1", "100", "1000"})
  public int batch;

  /** SYNC: every commit durable on return; NO_SYNC: the OS decides. */
  @Param({"SYNC", "NO_SYNC"})
  public Durability durability;

  private final SplittableRandom random = new SplittableRandom(7);

  @Override
  protected Durability durability() {
    return durability;
  }

  /** Creates the benchmark; JMH instantiates it. */
  public BatchedPutBenchmark() {}

  /** Commits one transaction of {@code batch} random overwrites. */
  @Benchmark
  public void commitBatch() {
    try (WriteTxn txn = db.beginWrite()) {
      for (int i = 0; i < batch; i++) {
        txn.put(Keys.key(random.nextLong(keys)), Keys.value(random, valueSize));
      }
      txn.commit();
    }
  }
}
