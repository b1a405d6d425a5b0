package dev.strata.bench.jmh;

import dev.strata.api.Cursor;
import dev.strata.api.KeyRange;
import dev.strata.api.ReadTxn;
import dev.strata.bench.Keys;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * How fast is a 1,000-entry range scan from a random start? One read transaction, one cursor, 1,000
 * keys and values copied out per operation.
 */
@State(Scope.Benchmark)
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
