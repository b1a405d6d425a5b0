package dev.strata.lsm;

import dev.strata.api.Durability;
import dev.strata.api.EngineOptions;
import dev.strata.api.StorageEngines;
import dev.strata.api.WriteAmplificationMeter;
import dev.strata.api.WriteTxn;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The random-overwrite write-amplification workload: batches of 1,000 puts of random keys from a
 * fixed key space until the meter's logical bytes reach the target, then prints the meter,
 * RocksDB's own cumulative W-Amp from {@code rocksdb.cfstats}, and the kernel's {@code write_bytes}
 * for this process as a cross-check.
 *
 * <pre>
 * CP=$(cat engine-lsm/target/test-classpath.txt)
 * CP=$CP:engine-lsm/target/test-classes:engine-lsm/target/classes
 * java -cp "$CP" dev.strata.lsm.WriteAmpWorkload /tmp/wa 2GiB 4000000 100 42
 * </pre>
 *
 * Arguments: store directory (must not exist), logical bytes, key-space size, value bytes, seed.
 * Values are random, so lz4 cannot shrink them and physical bytes are not flattered by compression.
 */
public final class WriteAmpWorkload {
  private WriteAmpWorkload() {}

  /**
   * Runs the workload.
   *
   * @param args see the class documentation
   * @throws IOException if {@code /proc/self/io} cannot be read
   */
  public static void main(String[] args) throws IOException {
    Path dir = Path.of(args[0]);
    long target =
        args[1].endsWith("GiB")
            ? Long.parseLong(args[1].replace("GiB", "")) << 30
            : Long.parseLong(args[1]);
    int keySpace = Integer.parseInt(args[2]);
    int valueBytes = Integer.parseInt(args[3]);
    long seed = Long.parseLong(args[4]);
    System.out.printf(
        "workload: logical=%d keySpace=%d value=%d seed=%d durability=NO_SYNC%n",
        target, keySpace, valueBytes, seed);
    SplittableRandom random = new SplittableRandom(seed);
    EngineOptions options = EngineOptions.builder().durability(Durability.NO_SYNC).build();
    long ioBefore = processWriteBytes();
    long started = System.nanoTime();
    try (LsmEngine engine = (LsmEngine) StorageEngines.open("lsm", dir, options)) {
      WriteAmplificationMeter meter = engine.meter();
      byte[] value = new byte[valueBytes];
      long nextReport = 256L << 20;
      while (meter.logicalBytes() < target) {
        try (WriteTxn w = engine.beginWrite()) {
          for (int i = 0; i < 1000; i++) {
            random.nextBytes(value);
            w.put(
                ByteBuffer.allocate(16)
                    .putLong(0x6b65790000000000L)
                    .putLong(random.nextInt(keySpace))
                    .array(),
                value);
          }
          w.commit();
        }
        if (meter.logicalBytes() >= nextReport) {
          System.out.printf(
              "  %5d MiB logical, meter WA %.2f, %.0f s%n",
              meter.logicalBytes() >> 20,
              engine.meter().amplification(),
              (System.nanoTime() - started) / 1e9);
          nextReport += 256L << 20;
        }
      }
      double seconds = (System.nanoTime() - started) / 1e9;
      report("end of writes", engine, seconds);
      long pending = engine.stats().get("pendingCompactionBytes").longValue();
      while (pending > 0 && (System.nanoTime() - started) / 1e9 < seconds + 600) {
        sleep();
        pending = engine.stats().get("pendingCompactionBytes").longValue();
      }
      report("compaction debt paid", engine, (System.nanoTime() - started) / 1e9);
    }
    long ioAfter = processWriteBytes();
    System.out.printf(
        "kernel write_bytes of this process (includes MANIFEST, LOG, OPTIONS): %d%n",
        ioAfter - ioBefore);
  }

  private static void report(String phase, LsmEngine engine, double seconds) {
    WriteAmplificationMeter.Snapshot s = engine.meter().snapshot();
    Map<String, Number> stats = engine.stats();
    System.out.printf("%s after %.0f s:%n", phase, seconds);
    System.out.printf(
        "  meter: logical=%d physical=%d syncs=%d WA=%.3f%n",
        s.logicalBytes(), s.physicalBytes(), s.syncs(), s.amplification());
    System.out.printf(
        "  wal=%d flush=%d compaction=%d liveSst=%d pending=%d%n",
        stats.get("walBytes").longValue(),
        stats.get("flushBytes").longValue(),
        stats.get("compactionBytes").longValue(),
        stats.get("liveSstBytes").longValue(),
        stats.get("pendingCompactionBytes").longValue());
    System.out.printf(
        "  rocksdb cfstats W-Amp=%.3f; (flush+compaction)/flush=%.3f; "
            + "meter WA without WAL=%.3f%n",
        stats.get("rocksdbWriteAmp").doubleValue(),
        (stats.get("flushBytes").doubleValue() + stats.get("compactionBytes").doubleValue())
            / stats.get("flushBytes").doubleValue(),
        (stats.get("flushBytes").doubleValue() + stats.get("compactionBytes").doubleValue())
            / s.logicalBytes());
    for (int level = 0; level < LsmStats.LEVELS; level++) {
      System.out.printf("  L%d files=%d%n", level, stats.get("filesAtLevel" + level).longValue());
    }
  }

  private static void sleep() {
    try {
      Thread.sleep(1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static long processWriteBytes() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/io"))) {
      if (line.startsWith("write_bytes:")) {
        return Long.parseLong(line.substring("write_bytes:".length()).trim());
      }
    }
    return -1;
  }
}
