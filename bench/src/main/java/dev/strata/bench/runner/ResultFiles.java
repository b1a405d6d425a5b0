package dev.strata.bench.runner;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Writes result rows as a console table, CSV and JSON. Thread-safe (stateless). */
final class ResultFiles {
  private static final double MIB = 1024.0 * 1024.0;

  private ResultFiles() {}

  /** Prints one table per engine. */
  static void printTables(PrintStream out, List<PhaseResult> rows) {
    String engine = null;
    for (PhaseResult r : rows) {
      if (!r.engine().equals(engine)) {
        engine = r.engine();
        out.println();
        out.printf(Locale.ROOT, "== %s (%s) ==%n", engine, r.durability());
        out.printf(
            Locale.ROOT,
            "%-9s %10s %10s %8s %8s %9s %8s %8s %8s %8s %7s %9s %8s %8s %8s %8s%n",
            "phase",
            "ops/s",
            "entries/s",
            "p50 us",
            "p99 us",
            "p99.9 us",
            "WA meter",
            "WA sysc",
            "WA dirty",
            "mtr/sysc",
            "fsyncs",
            "sysc MiB",
            "disk MiB",
            "heap MiB",
            "RSS MiB",
            "peak MiB");
      }
      out.printf(
          Locale.ROOT,
          "%-9s %10.0f %10.0f %8.1f %8.1f %9.1f %8s %8s %8s %8s %7d %9.1f %8.1f %8.1f %8.1f %8.1f%n",
          r.phase(),
          r.opsPerSecond(),
          r.entriesPerSecond(),
          r.p50Micros(),
          r.p99Micros(),
          r.p999Micros(),
          ratio(r.meterAmplification()),
          ratio(r.syscallAmplification()),
          ratio(r.storageAmplification()),
          ratio(r.meterOverSyscalls()),
          r.syncs(),
          r.osSyscallBytes() / MIB,
          r.diskBytes() / MIB,
          r.heapBytes() / MIB,
          r.rssBytes() / MIB,
          r.peakRssBytes() / MIB);
    }
    out.println(
        "WA meter = engine meter physical / logical; WA sysc = /proc/self/io wchar (bytes"
            + " given to write calls) / logical; WA dirty = write_bytes (page-cache bytes the kernel"
            + " charged, whole folios) / logical; mtr/sysc = meter physical / wchar; heap = used after a"
            + " full GC, RSS = VmRSS, peak = VmHWM of the engine's process.");
    out.println();
  }

  private static String ratio(double v) {
    return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.2f", v);
  }

  /** Writes rows as CSV with a header line. */
  static void writeCsv(Path file, List<? extends Map<String, Object>> rows) {
    List<String> lines = new ArrayList<>();
    if (!rows.isEmpty()) {
      lines.add(String.join(",", rows.get(0).keySet()));
    }
    for (Map<String, Object> row : rows) {
      List<String> cells = new ArrayList<>();
      for (Object v : row.values()) {
        cells.add(csvCell(v));
      }
      lines.add(String.join(",", cells));
    }
    write(file, String.join("\n", lines) + "\n");
  }

  /** Writes rows as a JSON object {@code {"meta": {...}, "results": [...]}}. */
  static void writeJson(
      Path file, Map<String, Object> meta, List<? extends Map<String, Object>> rows) {
    StringBuilder sb = new StringBuilder("{\n  \"meta\": ");
    appendObject(sb, meta);
    sb.append(",\n  \"results\": [\n");
    for (int i = 0; i < rows.size(); i++) {
      sb.append("    ");
      appendObject(sb, rows.get(i));
      sb.append(i + 1 < rows.size() ? ",\n" : "\n");
    }
    sb.append("  ]\n}\n");
    write(file, sb.toString());
  }

  private static void appendObject(StringBuilder sb, Map<String, Object> map) {
    sb.append('{');
    boolean first = true;
    for (Map.Entry<String, Object> e : map.entrySet()) {
      if (!first) {
        sb.append(", ");
      }
      first = false;
      sb.append(jsonString(e.getKey())).append(": ").append(jsonValue(e.getValue()));
    }
    sb.append('}');
  }

  private static String jsonValue(Object v) {
    if (v == null) {
      return "null";
    }
    if (v instanceof Double d) {
      return d.isNaN() || d.isInfinite() ? "null" : String.format(Locale.ROOT, "%.4f", d);
    }
    if (v instanceof Number || v instanceof Boolean) {
      return v.toString();
    }
    return jsonString(v.toString());
  }

  private static String jsonString(String s) {
    StringBuilder sb = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        default -> {
          if (c < 0x20) {
            sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.append('"').toString();
  }

  private static String csvCell(Object v) {
    if (v instanceof Double d) {
      return d.isNaN() ? "" : String.format(Locale.ROOT, "%.4f", d);
    }
    String s = String.valueOf(v);
    return s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
  }

  private static void write(Path file, String text) {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Files.writeString(file, text, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }
}
