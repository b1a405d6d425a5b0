package dev.strata.bench.ledger;

import dev.strata.api.Durability;
import dev.strata.api.EngineOptions;
import dev.strata.api.WriteTxn;
import dev.strata.ledger.LedgerEngine;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Keys, timing and printing shared by the ledger workloads. Not thread-safe where noted. */
final class LedgerMeasure {
  private LedgerMeasure() {}

  static final int KEY = 16;
  static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  /** CPU time of this thread: the machine is shared, so wall time mostly measures neighbours. */
  static long cpu() {
    return THREADS.getCurrentThreadCpuTime();
  }

  static final int VALUE = 100;

  static byte[] key(long i) {
    byte[] k = new byte[KEY];
    ByteBuffer.wrap(k)
        .putLong(8, Long.reverse(i) ^ 0x5DEECE66DL)
        .putLong(0, i * 0x9E3779B97F4A7C15L);
    return k;
  }

  static void print(String name, double value, String unit) {
    System.out.printf("%-48s %14.2f %s%n", name, value, unit);
  }

  /** The setting that moves Merkle hashing to a helper thread (see {@code LedgerEngine}). */
  static final String HASH_THREAD = "ledger.hashThread";

  /** The index checkpoint's file name (see engine-ledger/FORMAT.md). */
  static final String CHECKPOINT_FILE = "index.checkpoint";

  static EngineOptions noSync() {
    return EngineOptions.builder().durability(Durability.NO_SYNC).build();
  }

  static void write(LedgerEngine e, long from, long to, int perTxn, byte[] value) {
    for (long i = from; i < to; i += perTxn) {
      try (WriteTxn t = e.beginWrite()) {
        for (long j = i; j < Math.min(to, i + perTxn); j++) {
          t.put(key(j), value);
        }
        t.commit();
      }
    }
  }

  static long usedHeap() {
    Runtime rt = Runtime.getRuntime();
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return rt.totalMemory() - rt.freeMemory();
  }

  /** Copies a ledger directory's files, without its lock file. */
  static void copyDir(Path from, Path to) throws IOException {
    Files.createDirectories(to);
    try (Stream<Path> files = Files.list(from)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        if (!f.getFileName().toString().equals("LOCK")) {
          Files.copy(f, to.resolve(f.getFileName()));
        }
      }
    }
  }
}
