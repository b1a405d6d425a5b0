package dev.strata.bench.runner;

import dev.strata.api.Cursor;
import dev.strata.api.EngineOptions;
import dev.strata.api.KeyRange;
import dev.strata.api.ReadTxn;
import dev.strata.api.StorageEngine;
import dev.strata.api.WriteTxn;
import dev.strata.bench.Keys;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The phases of {@code compare} for one engine: load, random reads, batched writes, 1,000-entry
 * scans and a 90/10 read/write mix, each measured by {@link MeasuredEngine}. The same code runs in
 * {@code compare}'s forked child JVMs, in its warm-up, and in its {@code --in-process} mode.
 * Immutable; {@link #run} may be called again for another engine.
 *
 * @param keys distinct keys loaded and drawn from; more than {@link CompareCommand#SCAN_LENGTH}
 * @param valueSize bytes per value
 * @param batch puts per commit in the write phase
 * @param threads threads of the read, scan and mix phases
 * @param seconds time cap of each measured phase after the load
 */
record EnginePhases(long keys, int valueSize, int batch, int threads, double seconds) {
  /**
   * Keys of the warm-up store at most. Up to this count the warm-up loads as many keys as the
   * measured run, so the load's commit path has already run on a tree of the measured size: with
   * 50,000 warm-up keys, the JIT was still recompiling btree's spill (and dropping code compiled
   * for the smaller tree's branches) during the measured load of 200,000 keys.
   */
  static final long WARMUP_KEYS = 1_000_000;

  /**
   * Returns the untimed warm-up's workload: the same phases on at most {@link #WARMUP_KEYS} keys,
   * each capped at {@code warmupSeconds}.
   *
   * @param warmupSeconds the time cap of each warm-up phase
   * @return the warm-up's phases
   */
  EnginePhases warmUp(double warmupSeconds) {
    return new EnginePhases(Math.min(keys, WARMUP_KEYS), valueSize, batch, threads, warmupSeconds);
  }

  /**
   * Measures one engine: opens it in a fresh {@code directory}, runs the five phases, closes it
   * with the {@code total} row and deletes the store.
   *
   * @param name the engine's name
   * @param directory the store's directory; whatever is there is deleted first
   * @param options the options the engine is opened with
   * @param runSeed the seed of the keys, values and random choices
   * @return the six rows: load, read, write, scan, mix90/10 and total
   * @throws BenchException if the engine loses a key or a scan comes back short
   */
  List<PhaseResult> run(String name, Path directory, EngineOptions options, long runSeed) {
    List<PhaseResult> rows = new ArrayList<>();
    MeasuredEngine m = MeasuredEngine.openFresh(name, directory, options);
    try {
      StorageEngine db = m.engine();
      rows.add(
          m.measure(
              "load",
              1,
              CompareCommand.LOAD_BATCH,
              () ->
                  PhaseRunner.inBatches(
                      name + " load",
                      db,
                      0,
                      keys,
                      CompareCommand.LOAD_BATCH,
                      runSeed,
                      (txn, k, random) ->
                          txn.put(
                              Keys.key(Keys.loadOrder(k, keys)), Keys.value(random, valueSize)))));
      rows.add(
          m.measure(
              "read",
              threads,
              1,
              () ->
                  PhaseRunner.run(
                      name + " read",
                      threads,
                      Long.MAX_VALUE,
                      seconds,
                      0,
                      runSeed + 100,
                      (i, random) -> {
                        long id = random.nextLong(keys);
                        if (db.get(Keys.key(id)) == null) {
                          throw new BenchException(
                              name + " lost key " + id + " (seed " + runSeed + ")");
                        }
                        return 1;
                      })));
      rows.add(
          m.measure(
              "write",
              1,
              batch,
              () ->
                  PhaseRunner.run(
                      name + " write",
                      1,
                      Long.MAX_VALUE,
                      seconds,
                      0,
                      runSeed + 200,
                      (i, random) -> {
                        try (WriteTxn txn = db.beginWrite()) {
                          for (int b = 0; b < batch; b++) {
                            txn.put(Keys.key(random.nextLong(keys)), Keys.value(random, valueSize));
                          }
                          txn.commit();
                        }
                        return batch;
                      })));
      rows.add(
          m.measure(
              "scan",
              threads,
              1,
              () ->
                  PhaseRunner.run(
                      name + " scan",
                      threads,
                      Long.MAX_VALUE,
                      seconds,
                      0,
                      runSeed + 300,
                      (i, random) ->
                          scan(db, random.nextLong(keys - CompareCommand.SCAN_LENGTH)))));
      rows.add(
          m.measure(
              "mix90/10",
              threads,
              1,
              () ->
                  PhaseRunner.run(
                      name + " mix",
                      threads,
                      Long.MAX_VALUE,
                      seconds,
                      0,
                      runSeed + 400,
                      (i, random) -> {
                        long id = random.nextLong(keys);
                        if (random.nextInt(10) == 0) {
                          db.put(Keys.key(id), Keys.value(random, valueSize));
                        } else if (db.get(Keys.key(id)) == null) {
                          throw new BenchException(
                              name + " lost key " + id + " (seed " + runSeed + ")");
                        }
                        return 1;
                      })));
      rows.add(m.closeWithTotals());
    } finally {
      m.close();
      try {
        SystemProbe.deleteTree(m.directory());
      } catch (java.io.IOException e) {
        System.err.println("warning: cannot delete " + m.directory() + ": " + e.getMessage());
      }
    }
    return rows;
  }

  /**
   * Reads {@link #CompareCommand.SCAN_LENGTH} entries from {@code startId} on; returns how many it
   * read.
   */
  static long scan(StorageEngine db, long startId) {
    long n = 0;
    try (ReadTxn txn = db.beginRead();
        Cursor cursor = txn.cursor(KeyRange.atLeast(Keys.key(startId)))) {
      while (n < CompareCommand.SCAN_LENGTH && cursor.next()) {
        cursor.key();
        cursor.value();
        n++;
      }
    }
    if (n != CompareCommand.SCAN_LENGTH) {
      throw new BenchException(
          db.name()
              + " scan from id "
              + startId
              + " returned "
              + n
              + " entries, expected "
              + CompareCommand.SCAN_LENGTH);
    }
    return n;
  }
}
