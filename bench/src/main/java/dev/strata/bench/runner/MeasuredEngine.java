package dev.strata.bench.runner;

import dev.strata.api.EngineOptions;
import dev.strata.api.StorageEngine;
import dev.strata.api.StorageEngines;
import dev.strata.api.WriteAmplificationMeter;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Supplier;

/**
 * An engine opened for measurement: wraps each phase with the meter's and the operating system's
 * byte counts, waits for the engine's background work and fsyncs the store's files at phase
 * boundaries, and records disk, heap and RSS after it. Not thread-safe: one phase at a time (the
 * phase itself may run many threads).
 */
final class MeasuredEngine implements AutoCloseable {
  /** How long a phase end waits for background work before measuring anyway. */
  private static final long SETTLE_LIMIT_NANOS = 300_000_000_000L;

  private static final long SETTLE_POLL_MILLIS = 20;

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

  /**
   * Runs one phase and returns its row. After the timed body, waits (untimed) until the engine's
   * background flushes and compactions have settled, so each phase's bytes include the background
   * work it caused and the next phase does not run against (or get timed with) that backlog.
   */
  PhaseResult measure(String phase, int threads, int batch, Supplier<PhaseRunner.Stats> body) {
    SystemProbe.syncDirectory(directory);
    WriteAmplificationMeter.Snapshot before = engine.meter().snapshot();
    SystemProbe.Io ioBefore = SystemProbe.io();
    PhaseRunner.Stats stats = body.get();
    double settleSeconds = awaitBackgroundWork();
    SystemProbe.syncDirectory(directory);
    SystemProbe.Io io = SystemProbe.io().minus(ioBefore);
    WriteAmplificationMeter.Snapshot delta = engine.meter().snapshot().minus(before);
    return row(phase, threads, batch, stats, delta, io, settleSeconds);
  }

  /**
   * Polls the engine's {@code runningBackgroundJobs} and {@code pendingBackgroundJobs} stats (the
   * {@code lsm} engine and the {@code rocksdb} baseline report them) until both are 0, at most
   * {@link #SETTLE_LIMIT_NANOS}; engines without background work do not report them and return at
   * once. Polling rather than a native wait: RocksJava 11.8 has no {@code WaitForCompact}.
   *
   * @return the seconds waited
   */
  private double awaitBackgroundWork() {
    long start = System.nanoTime();
    while (backgroundJobs() > 0) {
      if (System.nanoTime() - start > SETTLE_LIMIT_NANOS) {
        System.err.printf(
            "%s: background work still running after %d s; measuring on%n",
            name, SETTLE_LIMIT_NANOS / 1_000_000_000L);
        break;
      }
      try {
        Thread.sleep(SETTLE_POLL_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new BenchException("interrupted while waiting for " + name + " to settle", e);
      }
    }
    return (System.nanoTime() - start) / 1e9;
  }

  private long backgroundJobs() {
    Map<String, Number> stats = engine.stats();
    Number running = stats.get("runningBackgroundJobs");
    Number pending = stats.get("pendingBackgroundJobs");
    return (running == null ? 0 : running.longValue())
        + (pending == null ? 0 : pending.longValue());
  }

  private PhaseResult row(
      String phase,
      int threads,
      int batch,
      PhaseRunner.Stats stats,
      WriteAmplificationMeter.Snapshot delta,
      SystemProbe.Io io,
      double settleSeconds) {
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
        SystemProbe.rssBytes(),
        SystemProbe.peakRssBytes(),
        settleSeconds);
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
    return row("total", 0, 0, null, delta, io, 0);
  }

  @Override
  public void close() {
    engine.close();
  }
}
