package dev.strata.bench.jmh;

import dev.strata.api.Durability;
import dev.strata.api.EngineOptions;
import dev.strata.api.StorageEngine;
import dev.strata.api.StorageEngines;
import dev.strata.api.WriteTxn;
import dev.strata.bench.Keys;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
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

/**
 * An engine in a fresh temporary directory, preloaded with {@code keys} entries of {@code
 * valueSize} bytes (ids {@code 0..keys-1}, see {@link Keys}), for one trial. Benchmarks extend this
 * and add their own {@code @Param}s; one with a durability parameter overrides {@link
 * #durability()}. The JMH settings here (throughput per second, 2 warm-up and 3 measured
 * iterations, one fork with the {@code --add-opens} the btree engine's mapping needs) apply to
 * every subclass. Not thread-safe itself; the engine it holds is.
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
public abstract class EngineState {
  /** Loads commit this many puts at a time. */
  static final int LOAD_BATCH = 1000;

  /** The engine under test. */
  @Param({"btree", "lsm", "ledger", "memory", "lmdb", "rocksdb"})
  public String engine;

  /** Entries preloaded. */
  @Param("100000")
  public long keys;

  /** Bytes per value. */
  @Param("100")
  public int valueSize;

  /** The open engine, valid between {@link #open} and {@link #close}. */
  protected StorageEngine db;

  private Path directory;

  /** Creates the state; JMH instantiates subclasses. */
  protected EngineState() {}

  /** The durability the engine is opened with; {@code NO_SYNC} unless a subclass says otherwise. */
  protected Durability durability() {
    return Durability.NO_SYNC;
  }

  /**
   * Opens and loads the engine for the trial.
   *
   * @throws IOException if the store cannot be created
   */
  @Setup(Level.Trial)
  public void setUp() throws IOException {
    open(engine, durability(), keys, valueSize);
  }

  /**
   * Closes the engine and deletes its store after the trial.
   *
   * @throws IOException if the store cannot be deleted
   */
  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    close();
  }

  /**
   * Opens {@code name} in a new temporary directory and loads it.
   *
   * @param name the engine's name
   * @param durability the durability for the whole trial
   * @param keys entries to preload
   * @param valueSize bytes per value
   * @throws IOException if the temporary directory cannot be created
   * @throws IllegalStateException if the engine is not on the class path
   */
  protected void open(String name, Durability durability, long keys, int valueSize)
      throws IOException {
    if (!StorageEngines.available().contains(name)) {
      throw new IllegalStateException(
          "engine '"
              + name
              + "' is not on the class path; available: "
              + StorageEngines.available());
    }
    directory = Files.createTempDirectory("strata-jmh-" + name);
    db =
        StorageEngines.open(
            name,
            directory.resolve("store"),
            EngineOptions.builder().durability(durability).build());
    SplittableRandom random = new SplittableRandom(42);
    for (long first = 0; first < keys; first += LOAD_BATCH) {
      try (WriteTxn txn = db.beginWrite()) {
        for (long i = first; i < Math.min(keys, first + LOAD_BATCH); i++) {
          txn.put(Keys.key(Keys.loadOrder(i, keys)), Keys.value(random, valueSize));
        }
        txn.commit();
      }
    }
  }

  /**
   * Closes the engine and deletes its directory.
   *
   * @throws IOException if the directory cannot be deleted
   */
  protected void close() throws IOException {
    if (db != null) {
      db.close();
      db = null;
    }
    if (directory != null) {
      try (Stream<Path> files = Files.walk(directory)) {
        for (Path p : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
          Files.deleteIfExists(p);
        }
      }
      directory = null;
    }
  }
}
