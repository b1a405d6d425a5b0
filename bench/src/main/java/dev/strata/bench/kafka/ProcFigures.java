package dev.strata.bench.kafka;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** This process's write and memory figures from Linux {@code /proc}; -1 elsewhere. */
final class ProcFigures {
  private ProcFigures() {}

  /** Bytes passed to write system calls so far ({@code /proc/self/io} {@code wchar}). */
  static long wchar() {
    return field(Path.of("/proc/self/io"), "wchar:", 1);
  }

  /** Peak resident set size ({@code /proc/self/status} {@code VmHWM}), in bytes. */
  static long peakRss() {
    return field(Path.of("/proc/self/status"), "VmHWM:", 1024);
  }

  /** The 1, 5 and 15 minute load averages ({@code /proc/loadavg}), or "n/a". */
  static String loadAverage() {
    try {
      String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return parts[0] + " " + parts[1] + " " + parts[2];
    } catch (IOException | RuntimeException e) {
      return "n/a";
    }
  }

  private static long field(Path file, String name, long unit) {
    try {
      for (String line : Files.readAllLines(file)) {
        if (line.startsWith(name)) {
          return Long.parseLong(line.substring(name.length()).trim().split("\\s+")[0]) * unit;
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }
}
