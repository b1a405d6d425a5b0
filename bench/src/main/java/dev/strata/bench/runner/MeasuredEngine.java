package dev.strata.bench.runner;

import dev.strata.api.EngineOptions;
import dev.strata.api.StorageEngine;
import dev.strata.api.StorageEngines;
import dev.strata.api.WriteAmplificationMeter;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * An engine opened for measurement: wraps each phase with the meter's and the operating system's
 * byte counts, fsyncs the store's files at phase boundaries, and records disk, heap and RSS after
 * it. Not thread-safe: one phase at a time (the phase itself may run many threads).
 */
final class MeasuredEngine implements AutoCloseable {
  private final String name;
  private final Path directory;
  private final EngineOptions options;
  private final StorageEngine engine;
  private final boolean physicalMetered;
  private final WriteAmplificationMeter.Snapshot openMeter;
  private final SystemProbe.Io openIo;

  private MeasuredEngine(
      String name, Path directory, EngineOptions options, SystemProbe.Io ioBefore) {
    this.name = name;
    this.directory = directory;
    this.options = options;
    this.openIo = ioBefore;
    this.engine = StorageEngines.open(name, directory, options);
    Number metered = engine.stats().get("physicalMetered");
    this.physicalMetered = metered == null || metered.intValue() != 0;
    // A fresh store: whatever the meter counted while opening belongs to the run, as the OS bytes
    // do.
    this.openMeter = new WriteAmplificationMeter.Snapshot(0, 0, 0);
  }

  /** Opens {@code name} in a fresh {@code directory}, deleting what a previous run left there. */
  static MeasuredEngine openFresh(String name, Path directory, EngineOptions options) {
    Path scratch = directory.resolveSibling(directory.getFileName() + "-warmup");
    try {
      SystemProbe.deleteTree(directory);
      // A throwaway open first: native libraries are unpacked to /tmp on first use (16 MiB for
      // RocksDB), and those writes are not the engine's.
      StorageEngines.open(name, scratch, options).close();
      SystemProbe.deleteTree(scratch);
    } catch (java.io.IOException e) {
      throw new BenchException("cannot clear " + directory + ": " + e.getMessage(), e);
    }
    return new MeasuredEngine(name, directory, options, SystemProbe.io());
  }

  StorageEngine engine() {
    return engine;
  }

  String name() {
    return name;
  }

  Path directory() {
    return directory;
  }

  /** Runs one phase and returns its row. */
  PhaseResult measure(String phase, int threads, int batch, Supplier<PhaseRunner.Stats> body) {
    SystemProbe.syncDirectory(directory);
    WriteAmplificationMeter.Snapshot before = engine.meter().snapshot();
    SystemProbe.Io ioBefore = SystemProbe.io();
    PhaseRunner.Stats stats = body.get();
    SystemProbe.syncDirectory(directory);
    SystemProbe.Io io = SystemProbe.io().minus(ioBefore);
    WriteAmplificationMeter.Snapshot delta = engine.meter().snapshot().minus(before);
    return row(phase, threads, batch, stats, delta, io);
  }

  private PhaseResult row(
      String phase,
      int threads,
      int batch,
      PhaseRunner.Stats stats,
      WriteAmplificationMeter.Snapshot delta,
      SystemProbe.Io io) {
    return new PhaseResult(
        name,
        phase,
        options.durability().name(),
        threads,
        batch,
        stats == null ? 0 : stats.ops(),
        stats == null ? 0 : stats.entries(),
        stats == null ? 0 : stats.seconds(),
        stats == null ? 0 : stats.opsPerSecond(),
        stats == null ? 0 : stats.entriesPerSecond(),
        stats == null ? 0 : stats.micros(50),
        stats == null ? 0 : stats.micros(99),
        stats == null ? 0 : stats.micros(99.9),
        stats == null ? 0 : stats.latencyNanos().getMaxValue() / 1000.0,
        delta.logicalBytes(),
        physicalMetered ? delta.physicalBytes() : -1,
        io.syscallBytes(),
        io.storageBytes(),
        delta.syncs(),
        SystemProbe.directoryBytes(directory),
        SystemProbe.heapUsedAfterGc(),
        SystemProbe.rssBytes());
  }

  /**
   * Closes the engine and returns the {@code total} row: meter and OS bytes from open through
   * close, the figures the ±10% agreement check uses.
   */
  PhaseResult closeWithTotals() {
    engine.close();
    SystemProbe.syncDirectory(directory);
    SystemProbe.Io io = SystemProbe.io().minus(openIo);
    WriteAmplificationMeter.Snapshot delta = engine.meter().snapshot().minus(openMeter);
    return row("total", 0, 0, null, delta, io);
  }

  @Override
  public void close() {
    engine.close();
  }
}
