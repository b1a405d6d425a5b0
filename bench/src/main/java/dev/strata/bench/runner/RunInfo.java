package dev.strata.bench.runner;

import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;

/** Describes the run for result files: when, which JDK, which machine, which command. */
final class RunInfo {
  private static final DateTimeFormatter STAMP =
      DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

  private RunInfo() {}

  /** A file-name-safe UTC timestamp. */
  static String stamp(Instant when) {
    return STAMP.format(when);
  }

  static Map<String, Object> describe(Instant when, String command, long seed) {
    Map<String, Object> meta = new LinkedHashMap<>();
    meta.put("date", when.toString());
    meta.put("command", command);
    meta.put("seed", seed);
    meta.put("jdk", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
    meta.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
    meta.put("cpus", Runtime.getRuntime().availableProcessors());
    long memory = -1;
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      memory = os.getTotalMemorySize();
    }
    meta.put("memoryBytes", memory);
    meta.put("maxHeapBytes", Runtime.getRuntime().maxMemory());
    return meta;
  }

  /** One line for the console: date, JDK and machine. */
  static String headline(Map<String, Object> meta) {
    return String.format(
        java.util.Locale.ROOT,
        "%s | %s | %s cores, %.0f GiB | seed %s",
        meta.get("date"),
        meta.get("jdk"),
        meta.get("cpus"),
        ((Number) meta.get("memoryBytes")).longValue() / (1024.0 * 1024 * 1024),
        meta.get("seed"));
  }
}
