package dev.strata.bench.jmh;

import dev.strata.api.Cursor;
import dev.strata.api.KeyRange;
import dev.strata.api.ReadTxn;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * How fast is a 1,000-entry range scan from a random start? One read transaction, one cursor, 1,000
 * keys and values copied out per operation.
 */
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
public class RangeScanBenchmark extends EngineState {
  /** Entries read per scan. */
  public static final int SCAN_LENGTH = 1000;

  /** Creates the benchmark; JMH instantiates it. */
  public RangeScanBenchmark() {}

  /**
   * Scans {@link #SCAN_LENGTH} entries.
   *
   * @param choice the thread's random source
   * @param sink consumes keys and values so the JIT keeps the copies
   */
  @Benchmark
  public void scan(ThreadRandom choice, Blackhole sink) {
    byte[] start = Keys.key(choice.random.nextLong(keys - SCAN_LENGTH));
    int n = 0;
    try (ReadTxn txn = db.beginRead();
        Cursor cursor = txn.cursor(KeyRange.atLeast(start))) {
      while (n < SCAN_LENGTH && cursor.next()) {
        sink.consume(cursor.key());
        sink.consume(cursor.value());
        n++;
      }
    }
    if (n != SCAN_LENGTH) {
      throw new IllegalStateException(engine + " scan returned " + n + " entries");
    }
  }
}
