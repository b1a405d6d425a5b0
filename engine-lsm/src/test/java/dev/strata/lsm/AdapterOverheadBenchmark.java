package dev.strata.lsm;

import dev.strata.api.Cursor;
import dev.strata.api.Durability;
import dev.strata.api.EngineOptions;
import dev.strata.api.KeyRange;
import dev.strata.api.ReadTxn;
import dev.strata.api.StorageEngines;
import dev.strata.api.WriteTxn;
import dev.strata.lsm.RocksOptionsFactory.RocksResources;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
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
import org.openjdk.jmh.infra.Blackhole;
import org.rocksdb.FlushOptions;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteBatchWithIndex;

/**
 * How much the {@code lsm} adapter costs over calling rocksdbjni directly, with the same RocksDB
 * options (both sides are built by {@link RocksOptionsFactory}) and the same data, in one run.
 *
 * <p>Run (from the repository root, after {@code mvn -pl engine-lsm -am test-compile}):
 *
 * <pre>
 * CP=$(cat engine-lsm/target/test-classpath.txt)
 * CP=$CP:engine-lsm/target/test-classes:engine-lsm/target/classes
 * java -cp "$CP" org.openjdk.jmh.Main AdapterOverheadBenchmark
 * </pre>
 *
 * <p>Writes use {@code NO_SYNC} on both sides so an fsync's milliseconds do not hide the adapter's
 * microseconds; the WAL is still written.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgs = {"-Xmx1g"})
public class AdapterOverheadBenchmark {
  @Param({"200000"})
  int keys;

  static final int VALUE_BYTES = 100;
  static final int BATCH = 1000;
  static final int SCAN = 1000;

  private Path root;
  private LsmEngine engine;
  private RocksResources rawResources;
  private RocksDB raw;
  private SplittableRandom random;
  private byte[] value;

  static byte[] key(long n) {
    return ByteBuffer.allocate(16).putLong(0x6b65790000000000L).putLong(n).array();
  }

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    RocksDB.loadLibrary();
    root = Files.createTempDirectory("lsm-bench");
    EngineOptions options = EngineOptions.builder().durability(Durability.NO_SYNC).build();
    engine = (LsmEngine) StorageEngines.open("lsm", root.resolve("lsm"), options);
    rawResources = RocksOptionsFactory.create(LsmSettings.from(options), Durability.NO_SYNC, true);
    raw = RocksDB.open(rawResources.options, root.resolve("raw").toString());
    random = new SplittableRandom(1);
    value = new byte[VALUE_BYTES];
    random.nextBytes(value);
    for (long start = 0; start < keys; start += BATCH) {
      try (WriteTxn w = engine.beginWrite();
          WriteBatch batch = new WriteBatch()) {
        for (long n = start; n < Math.min(keys, start + BATCH); n++) {
          w.put(key(n), value);
          batch.put(key(n), value);
        }
        w.commit();
        raw.write(rawResources.writeOptions, batch);
      }
    }
    engine.compactRange();
    try (FlushOptions flush = new FlushOptions().setWaitForFlush(true)) {
      raw.flush(flush);
    }
    raw.compactRange();
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    engine.close();
    raw.close();
    rawResources.close();
    try (Stream<Path> files = Files.walk(root)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  // ---- batched puts: 1,000 random overwrites per commit ----

  @Benchmark
  public void putBatch_lsm() {
    try (WriteTxn w = engine.beginWrite()) {
      for (int i = 0; i < BATCH; i++) {
        w.put(key(random.nextInt(keys)), value);
      }
      w.commit();
    }
  }

  @Benchmark
  public void putBatch_rawWriteBatch() throws RocksDBException {
    try (WriteBatch batch = new WriteBatch()) {
      for (int i = 0; i < BATCH; i++) {
        batch.put(key(random.nextInt(keys)), value);
      }
      raw.write(rawResources.writeOptions, batch);
    }
  }

  @Benchmark
  public void putBatch_rawIndexedBatch() throws RocksDBException {
    try (WriteBatchWithIndex batch = new WriteBatchWithIndex(true)) {
      for (int i = 0; i < BATCH; i++) {
        batch.put(key(random.nextInt(keys)), value);
      }
      raw.write(rawResources.writeOptions, batch);
    }
  }

  // ---- random point gets ----

  @Benchmark
  public byte[] get_lsm() {
    return engine.get(key(random.nextInt(keys)));
  }

  @Benchmark
  public byte[] get_lsmReadTxn() {
    try (ReadTxn r = engine.beginRead()) {
      return r.get(key(random.nextInt(keys)));
    }
  }

  @Benchmark
  public byte[] get_raw() throws RocksDBException {
    return raw.get(rawResources.readOptions, key(random.nextInt(keys)));
  }

  // ---- 1,000-entry range scans (keys and values copied out) ----

  @Benchmark
  public void scan_lsm(Blackhole bh) {
    long start = random.nextInt(keys - SCAN);
    try (ReadTxn r = engine.beginRead();
        Cursor c = r.cursor(KeyRange.between(key(start), key(start + SCAN)))) {
      while (c.next()) {
        bh.consume(c.key());
        bh.consume(c.value());
      }
    }
  }

  @Benchmark
  public void scan_raw(Blackhole bh) throws RocksDBException {
    long start = random.nextInt(keys - SCAN);
    try (ReadOptions options = new ReadOptions();
        Slice lower = new Slice(key(start));
        Slice upper = new Slice(key(start + SCAN))) {
      var snapshot = raw.getSnapshot();
      options.setSnapshot(snapshot).setIterateLowerBound(lower).setIterateUpperBound(upper);
      try (RocksIterator it = raw.newIterator(options)) {
        for (it.seek(key(start)); it.isValid(); it.next()) {
          bh.consume(it.key());
          bh.consume(it.value());
        }
        it.status();
      } finally {
        raw.releaseSnapshot(snapshot);
      }
    }
  }
}
