package dev.strata.bench.lsm;

import dev.strata.api.Cursor;
import dev.strata.api.Durability;
import dev.strata.api.EngineOptions;
import dev.strata.api.KeyRange;
import dev.strata.api.ReadTxn;
import dev.strata.api.StorageEngines;
import dev.strata.api.WriteTxn;
import dev.strata.bench.Keys;
import dev.strata.bench.baseline.LsmDefaultRocksOptions;
import dev.strata.bench.runner.SystemProbe;
import dev.strata.lsm.LsmEngine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.rocksdb.FlushOptions;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
import org.rocksdb.Snapshot;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteBatchWithIndex;

/**
 * Two stores holding the same data, one behind the {@code lsm} engine and one opened with raw
 * rocksdbjni on the same RocksDB options ({@link LsmDefaultRocksOptions}, the engine's documented
 * defaults; no {@code lsm.*} settings are passed, so the engine runs on those defaults too), and
 * the same operation on each side: what {@link LsmAdapterOverhead} and {@code strata-bench lsm
 * overhead} measure.
 *
 * <p>Fairness: both stores get the same keys ({@link Keys}, 16 bytes) and values in the same order,
 * then are flushed and fully compacted, so reads see the same file layout; writes use the same
 * durability on both sides (the benchmarks pass {@code NO_SYNC}, so an fsync's milliseconds do not
 * hide the adapter's microseconds; the WAL is still written); each operation draws its keys from
 * one seeded random source.
 *
 * <p>Not thread-safe: one thread drives a fixture.
 */
final class AdapterOverheadFixture implements AutoCloseable {
  /** Puts per batch, and per load commit. */
  static final int BATCH = 1000;

  /** Entries per range scan. */
  static final int SCAN = 1000;

  private final Path root;
  private final int keys;
  private final LsmEngine engine;
  private final LsmDefaultRocksOptions rawOptions;
  private final RocksDB raw;
  private final SplittableRandom random;
  private final byte[] value;

  private AdapterOverheadFixture(
      Path root,
      int keys,
      LsmEngine engine,
      LsmDefaultRocksOptions rawOptions,
      RocksDB raw,
      SplittableRandom random,
      byte[] value) {
    this.root = root;
    this.keys = keys;
    this.engine = engine;
    this.rawOptions = rawOptions;
    this.raw = raw;
    this.random = random;
    this.value = value;
  }

  /**
   * Creates both stores under a new directory in {@code parent} and loads them.
   *
   * @param parent where the stores' directory is created
   * @param keys entries in each store, more than {@link #SCAN}
   * @param valueSize bytes per value
   * @param durability the durability of every write on both sides
   * @param seed the seed of the values and of every key choice
   * @return the loaded fixture; the caller closes it
   * @throws IOException if the directory cannot be created
   * @throws RocksDBException if the raw store fails
   */
  static AdapterOverheadFixture load(
      Path parent, int keys, int valueSize, Durability durability, long seed)
      throws IOException, RocksDBException {
    if (keys <= SCAN) {
      throw new IllegalArgumentException("need more than " + SCAN + " keys, got " + keys);
    }
    RocksDB.loadLibrary();
    Files.createDirectories(parent);
    Path root = Files.createTempDirectory(parent, "lsm-overhead");
    EngineOptions options = EngineOptions.builder().durability(durability).build();
    LsmEngine engine = (LsmEngine) StorageEngines.open("lsm", root.resolve("lsm"), options);
    LsmDefaultRocksOptions rawOptions = new LsmDefaultRocksOptions(durability);
    RocksDB raw;
    try {
      raw = RocksDB.open(rawOptions.options(), root.resolve("raw").toString());
    } catch (RocksDBException | RuntimeException e) {
      engine.close();
      rawOptions.close();
      throw e;
    }
    SplittableRandom random = new SplittableRandom(seed);
    byte[] value = Keys.value(random, valueSize);
    AdapterOverheadFixture f =
        new AdapterOverheadFixture(root, keys, engine, rawOptions, raw, random, value);
    try {
      f.loadAndCompact();
    } catch (RocksDBException | RuntimeException e) {
      f.close();
      throw e;
    }
    return f;
  }

  private void loadAndCompact() throws RocksDBException {
    for (long start = 0; start < keys; start += BATCH) {
      try (WriteTxn w = engine.beginWrite();
          WriteBatch batch = new WriteBatch()) {
        for (long n = start; n < Math.min(keys, start + BATCH); n++) {
          w.put(Keys.key(n), value);
          batch.put(Keys.key(n), value);
        }
        w.commit();
        raw.write(rawOptions.writeOptions(), batch);
      }
    }
    engine.compactRange();
    try (FlushOptions flush = new FlushOptions().setWaitForFlush(true)) {
      raw.flush(flush);
    }
    raw.compactRange();
  }

  private byte[] randomKey() {
    return Keys.key(random.nextInt(keys));
  }

  /** One commit of {@link #BATCH} random overwrites through the engine. */
  void putBatchLsm() {
    try (WriteTxn w = engine.beginWrite()) {
      for (int i = 0; i < BATCH; i++) {
        w.put(randomKey(), value);
      }
      w.commit();
    }
  }

  /** The same through a plain {@link WriteBatch} and {@code db.write}. */
  void putBatchRawWriteBatch() throws RocksDBException {
    try (WriteBatch batch = new WriteBatch()) {
      for (int i = 0; i < BATCH; i++) {
        batch.put(randomKey(), value);
      }
      raw.write(rawOptions.writeOptions(), batch);
    }
  }

  /**
   * The same through a {@link WriteBatchWithIndex}, RocksDB's own way for a batch to read its own
   * writes; the engine instead keeps a Java overlay beside a plain batch.
   */
  void putBatchRawIndexedBatch() throws RocksDBException {
    try (WriteBatchWithIndex batch = new WriteBatchWithIndex(true)) {
      for (int i = 0; i < BATCH; i++) {
        batch.put(randomKey(), value);
      }
      raw.write(rawOptions.writeOptions(), batch);
    }
  }

  /** A one-shot random point get through the engine; returns the value. */
  byte[] getLsm() {
    return engine.get(randomKey());
  }

  /** A random point get in a read transaction (snapshot) of the engine; returns the value. */
  byte[] getLsmReadTxn() {
    try (ReadTxn r = engine.beginRead()) {
      return r.get(randomKey());
    }
  }

  /** A raw random point get (no snapshot); returns the value. */
  byte[] getRaw() throws RocksDBException {
    return raw.get(rawOptions.readOptions(), randomKey());
  }

  /** A {@link #SCAN}-entry range scan through the engine; returns the bytes copied out. */
  long scanLsm() {
    long start = random.nextInt(keys - SCAN);
    long bytes = 0;
    try (ReadTxn r = engine.beginRead();
        Cursor c = r.cursor(KeyRange.between(Keys.key(start), Keys.key(start + SCAN)))) {
      while (c.next()) {
        bytes += c.key().length + c.value().length;
      }
    }
    return bytes;
  }

  /**
   * The same scan with a raw snapshot iterator bounded like the engine's cursor; returns the bytes
   * copied out.
   */
  long scanRaw() throws RocksDBException {
    long start = random.nextInt(keys - SCAN);
    long bytes = 0;
    try (ReadOptions options = new ReadOptions();
        Slice lower = new Slice(Keys.key(start));
        Slice upper = new Slice(Keys.key(start + SCAN))) {
      Snapshot snapshot = raw.getSnapshot();
      options.setSnapshot(snapshot).setIterateLowerBound(lower).setIterateUpperBound(upper);
      try (RocksIterator it = raw.newIterator(options)) {
        for (it.seek(Keys.key(start)); it.isValid(); it.next()) {
          bytes += it.key().length + it.value().length;
        }
        it.status();
      } finally {
        raw.releaseSnapshot(snapshot);
      }
    }
    return bytes;
  }

  /** Closes both stores and deletes their directory. */
  @Override
  public void close() throws IOException {
    try {
      engine.close();
    } finally {
      raw.close();
      rawOptions.close();
      SystemProbe.deleteTree(root);
    }
  }
}
