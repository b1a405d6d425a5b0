package dev.strata.bench.lsm;

import dev.strata.api.Durability;
import java.io.IOException;
import java.nio.file.Path;
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
import org.rocksdb.RocksDBException;

/**
 * How much does the {@code lsm} adapter cost over calling rocksdbjni directly? Each operation runs
 * once through the engine and once against a raw RocksDB store with the same options and data (see
 * {@link AdapterOverheadFixture} for what makes the two sides equal), in one run; compare the
 * ratios, not the absolute times. Writes are {@code NO_SYNC} on both sides.
 *
 * <pre>
 * java -jar bench/target/benchmarks.jar LsmAdapterOverhead -f 1 -wi 3 -i 5 -w 2s -r 2s
 * </pre>
 *
 * <p>On a loaded machine wall-clock time swings more than the overhead being measured; {@code
 * strata-bench lsm overhead} pairs the two sides in alternating short blocks of CPU time instead.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgs = {"-Xmx1g"})
public class LsmAdapterOverhead {
  /** Entries in each store. */
  @Param({"200000"})
  public int keys;

  private AdapterOverheadFixture fixture;

  /** Creates the benchmark; JMH instantiates it. */
  public LsmAdapterOverhead() {}

  /**
   * Loads both stores.
   *
   * @throws IOException if the stores' directory cannot be created
   * @throws RocksDBException if the raw store fails
   */
  @Setup(Level.Trial)
  public void setUp() throws IOException, RocksDBException {
    Path parent = Path.of(System.getProperty("java.io.tmpdir"));
    fixture = AdapterOverheadFixture.load(parent, keys, 100, Durability.NO_SYNC, 1);
  }

  /**
   * Closes and deletes both stores.
   *
   * @throws IOException if the stores cannot be deleted
   */
  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    fixture.close();
  }

  /** One commit of 1,000 random overwrites through the engine. */
  @Benchmark
  public void putBatch_lsm() {
    fixture.putBatchLsm();
  }

  /**
   * The same as a raw {@code WriteBatch}.
   *
   * @throws RocksDBException if RocksDB fails
   */
  @Benchmark
  public void putBatch_rawWriteBatch() throws RocksDBException {
    fixture.putBatchRawWriteBatch();
  }

  /**
   * The same as a raw {@code WriteBatchWithIndex}.
   *
   * @throws RocksDBException if RocksDB fails
   */
  @Benchmark
  public void putBatch_rawIndexedBatch() throws RocksDBException {
    fixture.putBatchRawIndexedBatch();
  }

  /**
   * A one-shot random get through the engine.
   *
   * @return the value, so the JIT cannot drop the read
   */
  @Benchmark
  public byte[] get_lsm() {
    return fixture.getLsm();
  }

  /**
   * A random get in a read transaction of the engine.
   *
   * @return the value
   */
  @Benchmark
  public byte[] get_lsmReadTxn() {
    return fixture.getLsmReadTxn();
  }

  /**
   * A raw random get.
   *
   * @return the value
   * @throws RocksDBException if RocksDB fails
   */
  @Benchmark
  public byte[] get_raw() throws RocksDBException {
    return fixture.getRaw();
  }

  /**
   * A 1,000-entry scan through the engine, keys and values copied out.
   *
   * @return the bytes read
   */
  @Benchmark
  public long scan_lsm() {
    return fixture.scanLsm();
  }

  /**
   * The same scan with a raw iterator.
   *
   * @return the bytes read
   * @throws RocksDBException if RocksDB fails
   */
  @Benchmark
  public long scan_raw() throws RocksDBException {
    return fixture.scanRaw();
  }
}
