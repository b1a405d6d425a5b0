package dev.strata.bench.jmh;

import dev.strata.api.Durability;
import dev.strata.bench.Keys;
import java.io.IOException;
import java.util.SplittableRandom;
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
import org.openjdk.jmh.annotations.TearDown;
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
  /** The engine under test. */
  @Param({"btree", "lsm", "ledger", "memory", "lmdb", "rocksdb"})
  public String engine;

  /** Entries preloaded. */
  @Param("100000")
  public long keys;

  /** Bytes per value. */
  @Param("100")
  public int valueSize;

  /** Creates the benchmark; JMH instantiates it. */
  public PointGetBenchmark() {}

  /** Per-thread random key choice. */
  @State(Scope.Thread)
  public static class Choice {
    final SplittableRandom random = new SplittableRandom();

    /** Creates the state; JMH instantiates it. */
    public Choice() {}
  }

  /**
   * Opens and loads the engine.
   *
   * @throws IOException if the store cannot be created
   */
  @Setup(Level.Trial)
  public void setUp() throws IOException {
    open(engine, Durability.NO_SYNC, keys, valueSize);
  }

  /**
   * Closes the engine.
   *
   * @throws IOException if the store cannot be deleted
   */
  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    close();
  }

  /**
   * Reads one random present key.
   *
   * @param choice the thread's random source
   * @return the value, so the JIT cannot drop the read
   */
  @Benchmark
  public byte[] get(Choice choice) {
    byte[] value = db.get(Keys.key(choice.random.nextLong(keys)));
    if (value == null) {
      throw new IllegalStateException(engine + " lost a key");
    }
    return value;
  }
}
