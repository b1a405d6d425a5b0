package dev.strata.bench.runner;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One row of results: an engine, a phase, and everything measured over it. Byte counts are deltas
 * over the phase; {@code meterPhysicalBytes} is -1 for an engine whose meter does not count
 * physical bytes (the {@code lmdb} baseline), and OS figures are -1 where the OS does not report
 * them. {@code osSyscallBytes} is {@code /proc/self/io wchar}, {@code osStorageBytes} is {@code
 * write_bytes}; {@link SystemProbe} explains how they differ. {@code settleSeconds} is how long the
 * phase's background flushes and compactions ran on after its timed work ended; the phase's byte
 * counts include that work, its throughput and latencies do not (see {@link MeasuredEngine}).
 * {@code heapBytes} is the heap in use after a full collection at the phase's end ({@code
 * MemoryMXBean}), {@code rssBytes} the resident set then ({@code VmRSS}) and {@code peakRssBytes}
 * the process's peak resident set so far ({@code VmHWM}): per engine when each engine runs in its
 * own JVM, cumulative over the engines before it with {@code compare --in-process}.
 */
record PhaseResult(
    String engine,
    String phase,
    String durability,
    int threads,
    int batch,
    long ops,
    long entries,
    double seconds,
    double opsPerSecond,
    double entriesPerSecond,
    double p50Micros,
    double p99Micros,
    double p999Micros,
    double maxMicros,
    long logicalBytes,
    long meterPhysicalBytes,
    long osSyscallBytes,
    long osStorageBytes,
    long syncs,
    long diskBytes,
    long heapBytes,
    long rssBytes,
    long peakRssBytes,
    double settleSeconds) {

  /** Physical over logical bytes from the engine's meter, NaN when either is unknown or zero. */
  double meterAmplification() {
    return logicalBytes > 0 && meterPhysicalBytes >= 0
        ? (double) meterPhysicalBytes / logicalBytes
        : Double.NaN;
  }

  /** Bytes handed to write system calls over logical bytes, NaN when unknown or zero. */
  double syscallAmplification() {
    return ratio(osSyscallBytes, logicalBytes);
  }

  /** Page-cache bytes charged by the kernel over logical bytes, NaN when unknown or zero. */
  double storageAmplification() {
    return ratio(osStorageBytes, logicalBytes);
  }

  /** Meter physical bytes over write-syscall bytes; 1.0 is perfect agreement. */
  double meterOverSyscalls() {
    return meterPhysicalBytes >= 0 ? ratio(meterPhysicalBytes, osSyscallBytes) : Double.NaN;
  }

  /** Meter physical bytes over the kernel's {@code write_bytes}. */
  double meterOverStorage() {
    return meterPhysicalBytes >= 0 ? ratio(meterPhysicalBytes, osStorageBytes) : Double.NaN;
  }

  private static double ratio(long numerator, long denominator) {
    return numerator >= 0 && denominator > 0 ? (double) numerator / denominator : Double.NaN;
  }

  /** Every field and derived figure, in column order, for CSV and JSON. */
  Map<String, Object> columns() {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("engine", engine);
    c.put("phase", phase);
    c.put("durability", durability);
    c.put("threads", threads);
    c.put("batch", batch);
    c.put("ops", ops);
    c.put("entries", entries);
    c.put("seconds", seconds);
    c.put("opsPerSecond", opsPerSecond);
    c.put("entriesPerSecond", entriesPerSecond);
    c.put("p50Micros", p50Micros);
    c.put("p99Micros", p99Micros);
    c.put("p999Micros", p999Micros);
    c.put("maxMicros", maxMicros);
    c.put("logicalBytes", logicalBytes);
    c.put("meterPhysicalBytes", meterPhysicalBytes);
    c.put("osSyscallBytes", osSyscallBytes);
    c.put("osStorageBytes", osStorageBytes);
    c.put("meterAmplification", meterAmplification());
    c.put("syscallAmplification", syscallAmplification());
    c.put("storageAmplification", storageAmplification());
    c.put("meterOverSyscalls", meterOverSyscalls());
    c.put("meterOverStorage", meterOverStorage());
    c.put("syncs", syncs);
    c.put("diskBytes", diskBytes);
    c.put("heapBytes", heapBytes);
    c.put("rssBytes", rssBytes);
    c.put("peakRssBytes", peakRssBytes);
    c.put("settleSeconds", settleSeconds);
    return c;
  }
}
